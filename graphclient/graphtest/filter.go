package graphtest

import (
	"fmt"
	"strings"
)

// eqClause is one `property eq 'value'` of an OData $filter.
type eqClause struct {
	property string // lower case
	value    string
}

// parseFilter understands the $filter forms tapbot sends:
// `mail eq 'a@b'`, `userPrincipalName eq 'a@b'`, joined by `or`. Quotes in
// values are doubled, as OData requires. Comparison is case-insensitive, as
// it is in Entra. An empty filter matches every user.
func parseFilter(f string) (func(User) bool, error) {
	if strings.TrimSpace(f) == "" {
		return func(User) bool { return true }, nil
	}
	var clauses []eqClause
	rest := strings.TrimSpace(f)
	for {
		c, after, err := parseEq(rest)
		if err != nil {
			return nil, err
		}
		clauses = append(clauses, c)
		if after == "" {
			break
		}
		next, ok := cutWord(after, "or")
		if !ok {
			return nil, fmt.Errorf("unsupported operator near '%s'", after)
		}
		rest = next
	}
	return func(u User) bool { return anyMatches(clauses, u) }, nil
}

func anyMatches(clauses []eqClause, u User) bool {
	for _, c := range clauses {
		var have string
		switch c.property {
		case "mail":
			have = u.Mail
		case "userprincipalname":
			have = u.UPN
		case "id":
			have = u.ID
		}
		if have != "" && strings.EqualFold(have, c.value) {
			return true
		}
	}
	return false
}

// parseEq reads `property eq 'value'` from the start of s and returns what
// follows, trimmed.
func parseEq(s string) (eqClause, string, error) {
	prop, rest, _ := strings.Cut(s, " ")
	switch p := strings.ToLower(prop); p {
	case "mail", "userprincipalname", "id":
		prop = p
	default:
		return eqClause{}, "", fmt.Errorf("property '%s' is not supported in this filter", prop)
	}
	rest, ok := cutWord(rest, "eq")
	if !ok {
		return eqClause{}, "", fmt.Errorf("only 'eq' is supported after '%s'", prop)
	}
	value, after, err := parseQuoted(rest)
	if err != nil {
		return eqClause{}, "", err
	}
	return eqClause{property: prop, value: value}, strings.TrimSpace(after), nil
}

// cutWord removes a leading keyword (case-insensitive) followed by a space.
func cutWord(s, word string) (string, bool) {
	s = strings.TrimSpace(s)
	if len(s) <= len(word) || !strings.EqualFold(s[:len(word)], word) || s[len(word)] != ' ' {
		return "", false
	}
	return strings.TrimSpace(s[len(word):]), true
}

// parseQuoted reads a single-quoted OData string literal, in which a
// doubled quote stands for one.
func parseQuoted(s string) (string, string, error) {
	if !strings.HasPrefix(s, "'") {
		return "", "", fmt.Errorf("expected a quoted value at '%s'", s)
	}
	var b strings.Builder
	for i := 1; i < len(s); i++ {
		if s[i] != '\'' {
			b.WriteByte(s[i])
			continue
		}
		if i+1 < len(s) && s[i+1] == '\'' {
			b.WriteByte('\'')
			i++
			continue
		}
		return b.String(), s[i+1:], nil
	}
	return "", "", fmt.Errorf("unterminated string literal")
}

// parsePropertyEq reads a filter of the one form the role management
// endpoints take from tapbot, `property eq 'value'`, where property is one
// of allowed (matched case-insensitively). It returns the property in
// lower case and the value.
func parsePropertyEq(f string, allowed ...string) (string, string, error) {
	prop, rest, _ := strings.Cut(strings.TrimSpace(f), " ")
	known := false
	for _, a := range allowed {
		known = known || strings.EqualFold(prop, a)
	}
	if !known {
		return "", "", fmt.Errorf("expected a filter on %s, got '%s'", strings.Join(allowed, " or "), f)
	}
	rest, ok := cutWord(rest, "eq")
	if !ok {
		return "", "", fmt.Errorf("only 'eq' is supported after '%s'", prop)
	}
	value, after, err := parseQuoted(rest)
	if err != nil {
		return "", "", err
	}
	if strings.TrimSpace(after) != "" {
		return "", "", fmt.Errorf("unsupported clause '%s'", strings.TrimSpace(after))
	}
	return strings.ToLower(prop), value, nil
}
