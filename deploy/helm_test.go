package deploy

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"maps"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"testing"
	"text/template"

	"go.yaml.in/yaml/v3"
)

// helm is not installable here, and Helm's own engine would bring the
// Kubernetes client libraries into go.mod for one test. So the chart keeps
// to Go templates plus the few Helm/Sprig functions below, and this renders
// it the way `helm template` does (strict: a missing value is an error, as
// with `helm lint --strict`).
const chartDir = "helm/tapbot"

// chartFuncs are the Sprig and Helm functions the chart may use, each with
// Helm's meaning; a template calling any other fails to parse.
func chartFuncs(tpl **template.Template) template.FuncMap {
	return template.FuncMap{
		"toYaml": func(v any) (string, error) {
			var buf bytes.Buffer
			enc := yaml.NewEncoder(&buf)
			enc.SetIndent(2)
			if err := enc.Encode(v); err != nil {
				return "", err
			}
			return strings.TrimSuffix(buf.String(), "\n"), nil
		},
		"nindent": func(n int, s string) string {
			pad := strings.Repeat(" ", n)
			return "\n" + pad + strings.ReplaceAll(s, "\n", "\n"+pad)
		},
		"quote": func(v any) string { return fmt.Sprintf("%q", fmt.Sprint(v)) },
		"default": func(def, v any) any {
			if v == nil || reflect.ValueOf(v).IsZero() {
				return def
			}
			return v
		},
		"include": func(name string, data any) (string, error) {
			var buf bytes.Buffer
			err := (*tpl).ExecuteTemplate(&buf, name, data)
			return buf.String(), err
		},
		"sha256sum": func(s string) string {
			sum := sha256.Sum256([]byte(s))
			return hex.EncodeToString(sum[:])
		},
	}
}

// mergeValues overlays override on base, map by map, as `helm --set` and
// `-f` do.
func mergeValues(base, override map[string]any) map[string]any {
	out := maps.Clone(base)
	for k, v := range override {
		bm, ok1 := out[k].(map[string]any)
		om, ok2 := v.(map[string]any)
		if ok1 && ok2 {
			out[k] = mergeValues(bm, om)
			continue
		}
		out[k] = v
	}
	return out
}

// chartData is the top-level object of the chart's templates.
func chartData(t *testing.T, override map[string]any) map[string]any {
	t.Helper()
	var chart struct {
		Name       string `yaml:"name"`
		Version    string `yaml:"version"`
		AppVersion string `yaml:"appVersion"`
	}
	if err := yaml.Unmarshal(readFile(t, filepath.Join(chartDir, "Chart.yaml")), &chart); err != nil {
		t.Fatalf("parse Chart.yaml: %v", err)
	}
	var values map[string]any
	if err := yaml.Unmarshal(readFile(t, filepath.Join(chartDir, "values.yaml")), &values); err != nil {
		t.Fatalf("parse values.yaml: %v", err)
	}
	return map[string]any{
		"Chart":   map[string]any{"Name": chart.Name, "Version": chart.Version, "AppVersion": chart.AppVersion},
		"Release": map[string]any{"Name": "tapbot", "Namespace": "tapbot", "Service": "Helm"},
		"Values":  mergeValues(values, override),
	}
}

// renderChart renders every template with the chart's values and override,
// and returns the documents by kind, like kubernetesDocuments.
func renderChart(t *testing.T, override map[string]any) map[string][]yaml.Node {
	t.Helper()
	var tpl *template.Template
	tpl = template.New("chart").Funcs(chartFuncs(&tpl)).Option("missingkey=error")
	files, err := filepath.Glob(filepath.Join(chartDir, "templates", "*"))
	if err != nil || len(files) == 0 {
		t.Fatalf("no chart templates (err %v)", err)
	}
	for _, f := range files {
		if _, err := tpl.New(filepath.Base(f)).Parse(string(readFile(t, f))); err != nil {
			t.Fatalf("parse %s: %v", f, err)
		}
	}
	data := chartData(t, override)
	byKind := map[string][]yaml.Node{}
	for _, f := range files {
		name := filepath.Base(f)
		if strings.HasPrefix(name, "_") {
			continue
		}
		var out bytes.Buffer
		if err := tpl.ExecuteTemplate(&out, name, data); err != nil {
			t.Fatalf("render %s: %v", name, err)
		}
		for kind, docs := range documentsByKind(t, name, out.Bytes()) {
			byKind[kind] = append(byKind[kind], docs...)
		}
	}
	return byKind
}

// documentsByKind parses rendered YAML by kind, dropping empty documents.
func documentsByKind(t *testing.T, name string, rendered []byte) map[string][]yaml.Node {
	t.Helper()
	byKind := map[string][]yaml.Node{}
	for _, doc := range parseDocuments(t, name, rendered) {
		var head struct {
			Kind     string     `yaml:"kind"`
			Metadata objectMeta `yaml:"metadata"`
		}
		if err := doc.Decode(&head); err != nil || head.Kind == "" || head.Metadata.Name == "" {
			t.Fatalf("%s: a document without kind or metadata.name (%v)", name, err)
		}
		byKind[head.Kind] = append(byKind[head.Kind], doc)
	}
	return byKind
}

func TestChartStatefulSetRunsExactlyOneHardenedWriterWithPersistentData(t *testing.T) {
	var s statefulSet
	onlyDocument(t, renderChart(t, nil), "StatefulSet", &s)
	checkStatefulSet(t, s)
	if got := s.Spec.Template.Spec.Containers[0].Image; got != "registry.example.com/tapbot:latest" {
		t.Errorf("image = %q, want repository:appVersion when image.tag is empty", got)
	}
}

func TestChartServiceReachesThePodOnPort8080Only(t *testing.T) {
	docs := renderChart(t, nil)
	var s statefulSet
	onlyDocument(t, docs, "StatefulSet", &s)
	var svc service
	onlyDocument(t, docs, "Service", &svc)
	checkServiceReachesPod(t, s, svc)
}

func TestChartMetricsHaveAScrapedPortOfTheirOwn(t *testing.T) {
	var s statefulSet
	onlyDocument(t, renderChart(t, nil), "StatefulSet", &s)
	checkMetricsScraped(t, s)
}

func TestChartSecretsReachTapbotOnlyAsMountedFiles(t *testing.T) {
	docs := renderChart(t, nil)
	if len(docs["Secret"]) != 0 {
		t.Error("the chart renders a Secret: secret values must not pass through Helm values")
	}
	var s statefulSet
	onlyDocument(t, docs, "StatefulSet", &s)
	pod := s.Spec.Template.Spec
	c := pod.Containers[0]
	var cm struct {
		APIVersion string            `yaml:"apiVersion"`
		Kind       string            `yaml:"kind"`
		Metadata   objectMeta        `yaml:"metadata"`
		Data       map[string]string `yaml:"data"`
	}
	onlyDocument(t, docs, "ConfigMap", &cm)
	for k := range cm.Data {
		if slices.Contains(secretVars, k) {
			t.Errorf("the ConfigMap sets secret %s", k)
		}
	}

	mounted := secretFiles(t, pod, c)
	var fileVars []string
	for _, e := range c.Env {
		if slices.Contains(secretVars, e.Name) {
			t.Errorf("the container sets secret %s as a plain variable", e.Name)
		}
		if !strings.HasSuffix(e.Name, "_FILE") {
			continue
		}
		fileVars = append(fileVars, e.Name)
		if !mounted[e.Value] {
			t.Errorf("%s=%s is not a file of the mounted Secret (%v)", e.Name, e.Value, mounted)
		}
	}
	want := []string{"AZURE_CLIENT_SECRET_FILE", "SLACK_BOT_TOKEN_FILE", "SLACK_SIGNING_SECRET_FILE", "TAPBOT_AUDIT_KEY_FILE"}
	if got := sortedCopy(fileVars); !slices.Equal(got, want) || len(mounted) != len(want) {
		t.Errorf("*_FILE variables %v for %d mounted files, want %v, one file each", got, len(mounted), want)
	}
}

// secretFiles returns the paths of the Secret's files mounted read-only in c.
func secretFiles(t *testing.T, pod podSpec, c container) map[string]bool {
	t.Helper()
	files := map[string]bool{}
	for _, v := range pod.Volumes {
		if v.Secret == nil {
			continue
		}
		for _, m := range c.VolumeMounts {
			if m.Name != v.Name {
				continue
			}
			if !m.ReadOnly {
				t.Errorf("secret volume %s is mounted writable", v.Name)
			}
			for _, it := range v.Secret.Items {
				files[m.MountPath+"/"+it.Path] = true
			}
		}
	}
	return files
}

func TestChartConfigChangeRollsThePod(t *testing.T) {
	checksum := func(override map[string]any) string {
		var s statefulSet
		onlyDocument(t, renderChart(t, override), "StatefulSet", &s)
		return s.Spec.Template.Metadata.Annotations["checksum/config"]
	}
	before := checksum(nil)
	after := checksum(map[string]any{"config": map[string]any{"TAPBOT_APPROVALS_REQUIRED": "2"}})
	if before == "" || before == after {
		t.Errorf("checksum/config %q before and %q after a config change: the pod would keep the old settings", before, after)
	}
}

func TestChartServiceMonitorIsOffByDefaultAndScrapesItsOwnService(t *testing.T) {
	if docs := renderChart(t, nil); len(docs["ServiceMonitor"]) != 0 {
		t.Error("a ServiceMonitor is rendered by default; it needs the Prometheus Operator's CRD")
	}
	docs := renderChart(t, map[string]any{"metrics": map[string]any{"serviceMonitor": map[string]any{"enabled": true}}})
	var sm struct {
		APIVersion string     `yaml:"apiVersion"`
		Kind       string     `yaml:"kind"`
		Metadata   objectMeta `yaml:"metadata"`
		Spec       struct {
			Selector struct {
				MatchLabels map[string]string `yaml:"matchLabels"`
			} `yaml:"selector"`
			Endpoints []struct {
				Port     string `yaml:"port"`
				Path     string `yaml:"path"`
				Interval string `yaml:"interval"`
			} `yaml:"endpoints"`
		} `yaml:"spec"`
	}
	onlyDocument(t, docs, "ServiceMonitor", &sm)
	if len(sm.Spec.Endpoints) != 1 || sm.Spec.Endpoints[0].Port != "metrics" || sm.Spec.Endpoints[0].Path != "/metrics" {
		t.Errorf("endpoints = %+v, want the metrics port's /metrics", sm.Spec.Endpoints)
	}
	var selected []service
	for _, n := range docs["Service"] {
		var svc service
		decodeStrict(t, "Service", mustMarshal(t, &n), &svc)
		if labelsMatch(sm.Spec.Selector.MatchLabels, svc.Metadata.Labels) {
			selected = append(selected, svc)
		}
	}
	if len(selected) != 1 || len(selected[0].Spec.Ports) != 1 || selected[0].Spec.Ports[0].Name != "metrics" {
		t.Fatalf("the ServiceMonitor selects %+v, want one Service with the metrics port alone", selected)
	}
	for _, svc := range docs["Service"] {
		var s service
		decodeStrict(t, "Service", mustMarshal(t, &svc), &s)
		if s.Metadata.Name == "tapbot" && (len(s.Spec.Ports) != 1 || s.Spec.Ports[0].Port != 8080) {
			t.Errorf("the webhook Service now carries %+v, want 8080 alone", s.Spec.Ports)
		}
	}
}

func labelsMatch(selector, labels map[string]string) bool {
	for k, v := range selector {
		if labels[k] != v {
			return false
		}
	}
	return len(selector) > 0
}

func mustMarshal(t *testing.T, n *yaml.Node) []byte {
	t.Helper()
	data, err := yaml.Marshal(n)
	if err != nil {
		t.Fatal(err)
	}
	return data
}
