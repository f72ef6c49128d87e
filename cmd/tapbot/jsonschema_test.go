package main

import (
	"encoding/json"
	"fmt"
	"os"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"
)

// auditSchemaPath is the JSON Schema deploy/siem publishes for the audit
// records tapbot ships.
const auditSchemaPath = "../../deploy/siem/tapbot.audit.v1.schema.json"

// loadSchema reads a JSON Schema file.
func loadSchema(t *testing.T, path string) map[string]any {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	var s map[string]any
	if err := json.Unmarshal(b, &s); err != nil {
		t.Fatalf("%s is not JSON: %v", path, err)
	}
	return s
}

// schemaProblems checks v against the part of JSON Schema 2020-12 the
// audit schema uses (type, const, required, properties,
// additionalProperties false, items, minimum, pattern, format date-time,
// and $ref into $defs) and returns what does not fit, by JSON path. A
// keyword it does not know is a problem too, so the schema cannot grow
// past what is checked here.
func schemaProblems(root, s map[string]any, v any, path string) []string {
	if ref, ok := s["$ref"].(string); ok {
		def, _ := root["$defs"].(map[string]any)[strings.TrimPrefix(ref, "#/$defs/")].(map[string]any)
		if def == nil {
			return []string{path + ": unresolvable $ref " + ref}
		}
		return schemaProblems(root, def, v, path)
	}
	var p []string
	for key, want := range s {
		switch key {
		case "$schema", "$id", "$defs", "title", "description", "examples", "required", "properties", "additionalProperties", "items":
		case "type":
			if !hasType(v, want.(string)) {
				p = append(p, fmt.Sprintf("%s: %v is not of type %s", path, v, want))
			}
		case "const":
			if v != want {
				p = append(p, fmt.Sprintf("%s: %v, want %v", path, v, want))
			}
		case "minimum":
			if n, ok := v.(float64); ok && n < want.(float64) {
				p = append(p, fmt.Sprintf("%s: %v is below %v", path, n, want))
			}
		case "pattern":
			if str, ok := v.(string); ok && !regexp.MustCompile(want.(string)).MatchString(str) {
				p = append(p, fmt.Sprintf("%s: %q does not match %s", path, str, want))
			}
		case "format":
			if str, ok := v.(string); ok && want == "date-time" {
				if _, err := time.Parse(time.RFC3339Nano, str); err != nil {
					p = append(p, fmt.Sprintf("%s: %q is not an RFC 3339 date-time", path, str))
				}
			}
		default:
			p = append(p, fmt.Sprintf("schema at %s: keyword %s is not checked by this test", path, key))
		}
	}
	return append(p, objectProblems(root, s, v, path)...)
}

// objectProblems checks the object and array keywords.
func objectProblems(root, s map[string]any, v any, path string) []string {
	var p []string
	if obj, ok := v.(map[string]any); ok {
		props, _ := s["properties"].(map[string]any)
		required, _ := s["required"].([]any)
		for _, r := range required {
			if _, ok := obj[r.(string)]; !ok {
				p = append(p, fmt.Sprintf("%s: required %s is missing", path, r))
			}
		}
		for k, fv := range obj {
			ps, ok := props[k].(map[string]any)
			if !ok {
				if s["additionalProperties"] == false {
					p = append(p, fmt.Sprintf("%s: %s is not in the schema", path, k))
				}
				continue
			}
			p = append(p, schemaProblems(root, ps, fv, path+"."+k)...)
		}
	}
	if arr, ok := v.([]any); ok {
		if items, ok := s["items"].(map[string]any); ok {
			for i, e := range arr {
				p = append(p, schemaProblems(root, items, e, fmt.Sprintf("%s[%d]", path, i))...)
			}
		}
	}
	slices.Sort(p)
	return p
}

func hasType(v any, typ string) bool {
	switch v := v.(type) {
	case string:
		return typ == "string"
	case bool:
		return typ == "boolean"
	case float64:
		return typ == "number" || (typ == "integer" && v == float64(int64(v)))
	case []any:
		return typ == "array"
	case map[string]any:
		return typ == "object"
	}
	return false
}
