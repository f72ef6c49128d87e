package deploy

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"image/png"
	"io"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"

	"go.yaml.in/yaml/v3"
)

// secretVars are the settings that must only ever arrive as *_FILE files.
var secretVars = []string{
	"SLACK_BOT_TOKEN", "SLACK_SIGNING_SECRET", "SLACK_APP_TOKEN",
	"AZURE_CLIENT_SECRET", "AZURE_CLIENT_CERTIFICATE_PASSWORD", "TEAMS_APP_PASSWORD",
	"TAPBOT_AUDIT_KEY",
	"TAPBOT_AUDIT_WEBHOOK_HEADER", "TAPBOT_AUDIT_WEBHOOK_SECRET", "TAPBOT_ADMIN_TOKEN", "TAPBOT_VERIFIEDID_API_KEY",
	"TAPBOT_DATABASE_URL", // it may hold the database's password
}

func readFile(t *testing.T, path string) []byte {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("read %s: %v", path, err)
	}
	return data
}

// decodeStrict decodes one YAML document and fails on any key v does not
// declare, so a misspelt field cannot hide behind a passing test.
func decodeStrict(t *testing.T, name string, data []byte, v any) {
	t.Helper()
	dec := yaml.NewDecoder(bytes.NewReader(data))
	dec.KnownFields(true)
	if err := dec.Decode(v); err != nil {
		t.Fatalf("decode %s: %v", name, err)
	}
}

// yamlDocuments returns every non-empty document of a multi-document YAML file.
func yamlDocuments(t *testing.T, path string) []yaml.Node {
	t.Helper()
	return parseDocuments(t, path, readFile(t, path))
}

// parseDocuments returns every non-empty document of multi-document YAML.
func parseDocuments(t *testing.T, name string, data []byte) []yaml.Node {
	t.Helper()
	dec := yaml.NewDecoder(bytes.NewReader(data))
	var docs []yaml.Node
	for {
		var doc yaml.Node
		err := dec.Decode(&doc)
		if errors.Is(err, io.EOF) {
			return docs
		}
		if err != nil {
			t.Fatalf("parse %s: %v\n%s", name, err, data)
		}
		if len(doc.Content) > 0 && doc.Content[0].Kind != yaml.ScalarNode {
			docs = append(docs, doc)
		}
	}
}

// show prints what a pointer field holds, or "unset".
func show[T any](p *T) string {
	if p == nil {
		return "unset"
	}
	return fmt.Sprint(*p)
}

func sortedCopy(s []string) []string {
	c := slices.Clone(s)
	slices.Sort(c)
	return c
}

// --- Slack -----------------------------------------------------------------

// slackManifest mirrors the part of Slack's manifest schema tapbot uses. The
// schema forbids unknown properties, and so does decodeStrict.
type slackManifest struct {
	Metadata struct {
		MajorVersion int `yaml:"major_version"`
		MinorVersion int `yaml:"minor_version"`
	} `yaml:"_metadata"`
	DisplayInformation struct {
		Name            string `yaml:"name"`
		Description     string `yaml:"description"`
		BackgroundColor string `yaml:"background_color"`
	} `yaml:"display_information"`
	Features struct {
		AppHome struct {
			HomeTabEnabled             bool `yaml:"home_tab_enabled"`
			MessagesTabEnabled         bool `yaml:"messages_tab_enabled"`
			MessagesTabReadOnlyEnabled bool `yaml:"messages_tab_read_only_enabled"`
		} `yaml:"app_home"`
		BotUser *struct {
			DisplayName  string `yaml:"display_name"`
			AlwaysOnline bool   `yaml:"always_online"`
		} `yaml:"bot_user"`
		SlashCommands []struct {
			Command      string `yaml:"command"`
			URL          string `yaml:"url"`
			Description  string `yaml:"description"`
			UsageHint    string `yaml:"usage_hint"`
			ShouldEscape *bool  `yaml:"should_escape"`
		} `yaml:"slash_commands"`
		Shortcuts []struct {
			Name        string `yaml:"name"`
			Type        string `yaml:"type"`
			CallbackID  string `yaml:"callback_id"`
			Description string `yaml:"description"`
		} `yaml:"shortcuts"`
	} `yaml:"features"`
	OAuthConfig struct {
		Scopes struct {
			Bot []string `yaml:"bot"`
		} `yaml:"scopes"`
	} `yaml:"oauth_config"`
	Settings struct {
		Interactivity struct {
			IsEnabled  bool   `yaml:"is_enabled"`
			RequestURL string `yaml:"request_url"`
		} `yaml:"interactivity"`
		EventSubscriptions struct {
			RequestURL string   `yaml:"request_url"`
			BotEvents  []string `yaml:"bot_events"`
		} `yaml:"event_subscriptions"`
		OrgDeployEnabled     *bool `yaml:"org_deploy_enabled"`
		SocketModeEnabled    *bool `yaml:"socket_mode_enabled"`
		TokenRotationEnabled *bool `yaml:"token_rotation_enabled"`
	} `yaml:"settings"`
}

func TestSlackManifestsDeclareTapCommandWithOnlyTheScopesTapbotUses(t *testing.T) {
	wantScopes := []string{"channels:read", "chat:write", "commands", "groups:read", "im:write", "usergroups:read", "users:read", "users:read.email"}
	tests := []struct {
		file            string
		socketMode      bool
		wantCommandURL  string
		wantInteractURL string
	}{
		{"slack/manifest.yaml", false, "https://tapbot.example.com/slack/commands", "https://tapbot.example.com/slack/interactions"},
		{"slack/manifest-socket-mode.yaml", true, "", ""},
	}
	for _, tc := range tests {
		t.Run(tc.file, func(t *testing.T) {
			var m slackManifest
			decodeStrict(t, tc.file, readFile(t, tc.file), &m)

			if m.DisplayInformation.Name != "tapbot" || len(m.DisplayInformation.Description) > 140 {
				t.Errorf("display_information = %+v, want name tapbot and a description of at most 140 characters", m.DisplayInformation)
			}
			if m.Features.BotUser == nil || m.Features.BotUser.DisplayName == "" {
				t.Error("features.bot_user.display_name missing: without a bot user there is no xoxb- token")
			}
			if len(m.Features.SlashCommands) != 1 {
				t.Fatalf("got %d slash commands, want exactly /tap", len(m.Features.SlashCommands))
			}
			cmd := m.Features.SlashCommands[0]
			if cmd.Command != "/tap" || cmd.Description == "" || cmd.UsageHint == "" {
				t.Errorf("slash command = %+v, want /tap with description and usage hint", cmd)
			}
			// The hint shows the grammar of bot.Parse: every request option,
			// an optional reason, and the sub-commands people need most.
			for _, part := range []string{"user@domain", "[lifetime", "[once|multi]", "[at start", "[reason…]", "| status user@domain", "| list", "| help"} {
				if !strings.Contains(cmd.UsageHint, part) {
					t.Errorf("usage_hint %q lacks %q", cmd.UsageHint, part)
				}
			}
			if cmd.ShouldEscape == nil || *cmd.ShouldEscape {
				t.Error("should_escape must be set to false: tapbot parses the raw text")
			}
			if cmd.URL != tc.wantCommandURL {
				t.Errorf("slash command url = %q, want %q", cmd.URL, tc.wantCommandURL)
			}
			// The request form's shortcut: bot/slack knows it by this callback_id.
			if sc := m.Features.Shortcuts; len(sc) != 1 || sc[0].Type != "global" || sc[0].CallbackID != "tap_request_shortcut" || sc[0].Name == "" || sc[0].Description == "" {
				t.Errorf("shortcuts = %+v, want the global shortcut tap_request_shortcut with a name and description", sc)
			}
			in := m.Settings.Interactivity
			if !in.IsEnabled || in.RequestURL != tc.wantInteractURL {
				t.Errorf("interactivity = %+v, want enabled with request_url %q", in, tc.wantInteractURL)
			}
			// The Home tab is published when it is opened: the app must hear
			// app_home_opened, at /slack/events in HTTP mode.
			ev := m.Settings.EventSubscriptions
			wantEvents := strings.Replace(tc.wantInteractURL, "/slack/interactions", "/slack/events", 1)
			if !m.Features.AppHome.HomeTabEnabled || ev.RequestURL != wantEvents || !slices.Equal(ev.BotEvents, []string{"app_home_opened"}) {
				t.Errorf("home tab %v, event_subscriptions = %+v, want the Home tab and app_home_opened at %q", m.Features.AppHome.HomeTabEnabled, ev, wantEvents)
			}
			if got := m.Settings.SocketModeEnabled; got == nil || *got != tc.socketMode {
				t.Errorf("socket_mode_enabled = %s, want %v", show(got), tc.socketMode)
			}
			if s := m.Settings; s.OrgDeployEnabled == nil || *s.OrgDeployEnabled || s.TokenRotationEnabled == nil || *s.TokenRotationEnabled {
				t.Error("org_deploy_enabled and token_rotation_enabled must be set to false")
			}
			if got := sortedCopy(m.OAuthConfig.Scopes.Bot); !slices.Equal(got, wantScopes) {
				t.Errorf("bot scopes = %v, want exactly %v", got, wantScopes)
			}
		})
	}
}

// --- Kubernetes ------------------------------------------------------------

type objectMeta struct {
	Name        string            `yaml:"name"`
	Namespace   string            `yaml:"namespace"`
	Labels      map[string]string `yaml:"labels"`
	Annotations map[string]string `yaml:"annotations"`
}

type statefulSet struct {
	APIVersion string          `yaml:"apiVersion"`
	Kind       string          `yaml:"kind"`
	Metadata   objectMeta      `yaml:"metadata"`
	Spec       statefulSetSpec `yaml:"spec"`
}

type statefulSetSpec struct {
	Replicas    *int   `yaml:"replicas"`
	ServiceName string `yaml:"serviceName"`
	Selector    struct {
		MatchLabels map[string]string `yaml:"matchLabels"`
	} `yaml:"selector"`
	PodManagementPolicy string `yaml:"podManagementPolicy"`
	UpdateStrategy      struct {
		Type string `yaml:"type"`
	} `yaml:"updateStrategy"`
	PersistentVolumeClaimRetentionPolicy map[string]string `yaml:"persistentVolumeClaimRetentionPolicy"`
	Template                             podTemplate       `yaml:"template"`
	VolumeClaimTemplates                 []struct {
		Metadata objectMeta `yaml:"metadata"`
		Spec     struct {
			AccessModes      []string      `yaml:"accessModes"`
			StorageClassName string        `yaml:"storageClassName"`
			Resources        resourceSpecs `yaml:"resources"`
		} `yaml:"spec"`
	} `yaml:"volumeClaimTemplates"`
}

// podTemplate is the pod of a StatefulSet or a Deployment.
type podTemplate struct {
	Metadata objectMeta `yaml:"metadata"`
	Spec     podSpec    `yaml:"spec"`
}

type podSpec struct {
	AutomountServiceAccountToken  *bool             `yaml:"automountServiceAccountToken"`
	EnableServiceLinks            *bool             `yaml:"enableServiceLinks"`
	TerminationGracePeriodSeconds *int              `yaml:"terminationGracePeriodSeconds"`
	SecurityContext               securityContext   `yaml:"securityContext"`
	NodeSelector                  map[string]string `yaml:"nodeSelector"`
	Tolerations                   []map[string]any  `yaml:"tolerations"`
	Affinity                      *affinity         `yaml:"affinity"`
	Containers                    []container       `yaml:"containers"`
	Volumes                       []struct {
		Name   string `yaml:"name"`
		Secret *struct {
			SecretName  string `yaml:"secretName"`
			DefaultMode *int   `yaml:"defaultMode"`
			Items       []struct {
				Key  string `yaml:"key"`
				Path string `yaml:"path"`
			} `yaml:"items"`
		} `yaml:"secret"`
	} `yaml:"volumes"`
}

// affinity is the part of a pod's affinity tapbot's manifests use.
type affinity struct {
	PodAntiAffinity *struct {
		Preferred []struct {
			Weight          int `yaml:"weight"`
			PodAffinityTerm struct {
				TopologyKey   string        `yaml:"topologyKey"`
				LabelSelector labelSelector `yaml:"labelSelector"`
			} `yaml:"podAffinityTerm"`
		} `yaml:"preferredDuringSchedulingIgnoredDuringExecution"`
	} `yaml:"podAntiAffinity"`
}

type securityContext struct {
	RunAsNonRoot             *bool  `yaml:"runAsNonRoot"`
	RunAsUser                *int64 `yaml:"runAsUser"`
	RunAsGroup               *int64 `yaml:"runAsGroup"`
	FSGroup                  *int64 `yaml:"fsGroup"`
	FSGroupChangePolicy      string `yaml:"fsGroupChangePolicy"`
	ReadOnlyRootFilesystem   *bool  `yaml:"readOnlyRootFilesystem"`
	AllowPrivilegeEscalation *bool  `yaml:"allowPrivilegeEscalation"`
	Capabilities             *struct {
		Drop []string `yaml:"drop"`
	} `yaml:"capabilities"`
	SeccompProfile *struct {
		Type string `yaml:"type"`
	} `yaml:"seccompProfile"`
}

type container struct {
	Name            string   `yaml:"name"`
	Image           string   `yaml:"image"`
	ImagePullPolicy string   `yaml:"imagePullPolicy"`
	Args            []string `yaml:"args"`
	Ports           []struct {
		Name          string `yaml:"name"`
		ContainerPort int    `yaml:"containerPort"`
	} `yaml:"ports"`
	EnvFrom []struct {
		ConfigMapRef *struct {
			Name string `yaml:"name"`
		} `yaml:"configMapRef"`
	} `yaml:"envFrom"`
	Env []struct {
		Name      string `yaml:"name"`
		Value     string `yaml:"value"`
		ValueFrom *struct {
			ResourceFieldRef *struct {
				Resource string `yaml:"resource"`
			} `yaml:"resourceFieldRef"`
		} `yaml:"valueFrom"`
	} `yaml:"env"`
	VolumeMounts []struct {
		Name      string `yaml:"name"`
		MountPath string `yaml:"mountPath"`
		ReadOnly  bool   `yaml:"readOnly"`
	} `yaml:"volumeMounts"`
	LivenessProbe   *probe          `yaml:"livenessProbe"`
	ReadinessProbe  *probe          `yaml:"readinessProbe"`
	Resources       resourceSpecs   `yaml:"resources"`
	SecurityContext securityContext `yaml:"securityContext"`
}

type probe struct {
	HTTPGet *struct {
		Path string `yaml:"path"`
		Port any    `yaml:"port"`
	} `yaml:"httpGet"`
	InitialDelaySeconds int `yaml:"initialDelaySeconds"`
	PeriodSeconds       int `yaml:"periodSeconds"`
	TimeoutSeconds      int `yaml:"timeoutSeconds"`
	FailureThreshold    int `yaml:"failureThreshold"`
}

type resourceSpecs struct {
	Requests map[string]string `yaml:"requests"`
	Limits   map[string]string `yaml:"limits"`
}

// kubernetesDocuments parses every YAML file in kubernetes/ by kind.
func kubernetesDocuments(t *testing.T) map[string][]yaml.Node {
	t.Helper()
	return kubernetesDocumentsIn(t, "kubernetes")
}

// kubernetesDocumentsIn parses every YAML file in dir by kind.
func kubernetesDocumentsIn(t *testing.T, dir string) map[string][]yaml.Node {
	t.Helper()
	files, err := filepath.Glob(filepath.Join(dir, "*.yaml"))
	if err != nil || len(files) == 0 {
		t.Fatalf("no Kubernetes manifests found (err %v)", err)
	}
	byKind := map[string][]yaml.Node{}
	for _, f := range files {
		for _, doc := range yamlDocuments(t, f) {
			var head struct {
				APIVersion string     `yaml:"apiVersion"`
				Kind       string     `yaml:"kind"`
				Metadata   objectMeta `yaml:"metadata"`
			}
			if err := doc.Decode(&head); err != nil {
				t.Fatalf("%s: %v", f, err)
			}
			if head.APIVersion == "" || head.Kind == "" {
				t.Errorf("%s: a document lacks apiVersion or kind", f)
			}
			if head.Kind != "Kustomization" && head.Metadata.Name == "" {
				t.Errorf("%s: %s without metadata.name", f, head.Kind)
			}
			byKind[head.Kind] = append(byKind[head.Kind], doc)
		}
	}
	return byKind
}

// onlyDocument strictly decodes the single document of the given kind.
func onlyDocument(t *testing.T, docs map[string][]yaml.Node, kind string, v any) {
	t.Helper()
	if len(docs[kind]) != 1 {
		t.Fatalf("found %d %s documents, want 1", len(docs[kind]), kind)
	}
	data, err := yaml.Marshal(&docs[kind][0])
	if err != nil {
		t.Fatalf("re-encode %s: %v", kind, err)
	}
	decodeStrict(t, kind, data, v)
}

func TestKustomizationAppliesEveryManifestInTheDirectory(t *testing.T) {
	checkKustomization(t, "kubernetes")
}

// kustomization is the part of a kustomization.yaml that tapbot's manifests use.
type kustomization struct {
	APIVersion         string   `yaml:"apiVersion"`
	Kind               string   `yaml:"kind"`
	Namespace          string   `yaml:"namespace"`
	Resources          []string `yaml:"resources"`
	ConfigMapGenerator []struct {
		Name string   `yaml:"name"`
		Envs []string `yaml:"envs"`
	} `yaml:"configMapGenerator"`
	Images []map[string]string `yaml:"images"`
}

// checkKustomization checks that dir's kustomization applies every
// manifest beside it and reads config files that exist; it returns it.
func checkKustomization(t *testing.T, dir string) kustomization {
	t.Helper()
	var k kustomization
	onlyDocument(t, kubernetesDocumentsIn(t, dir), "Kustomization", &k)

	files, _ := filepath.Glob(filepath.Join(dir, "*.yaml"))
	var want []string
	for _, f := range files {
		if base := filepath.Base(f); base != "kustomization.yaml" {
			want = append(want, base)
		}
	}
	if got := sortedCopy(k.Resources); !slices.Equal(got, want) {
		t.Errorf("kustomization resources = %v, want every manifest %v", got, want)
	}
	for _, gen := range k.ConfigMapGenerator {
		for _, env := range gen.Envs {
			if _, err := os.Stat(filepath.Join(dir, env)); err != nil {
				t.Errorf("configMapGenerator %s: %v", gen.Name, err)
			}
		}
	}
	return k
}

func TestStatefulSetRunsExactlyOneHardenedWriterWithPersistentData(t *testing.T) {
	var s statefulSet
	onlyDocument(t, kubernetesDocuments(t), "StatefulSet", &s)
	checkStatefulSet(t, s)
}

// checkStatefulSet checks what both the kustomize manifests and the Helm
// chart promise of tapbot's StatefulSet.
func checkStatefulSet(t *testing.T, s statefulSet) {
	t.Helper()
	spec := s.Spec

	if spec.Replicas == nil || *spec.Replicas != 1 {
		t.Errorf("replicas = %s, want exactly 1: bbolt has one writer", show(spec.Replicas))
	}
	if spec.UpdateStrategy.Type != "RollingUpdate" || spec.PodManagementPolicy == "" {
		t.Errorf("updateStrategy %q, podManagementPolicy %q: want RollingUpdate (stop old pod first) and an explicit policy",
			spec.UpdateStrategy.Type, spec.PodManagementPolicy)
	}
	checkSelects(t, spec.Selector.MatchLabels, spec.Template)
	c := checkPod(t, spec.Template)

	claims := map[string]bool{}
	for _, vct := range spec.VolumeClaimTemplates {
		claims[vct.Metadata.Name] = vct.Spec.Resources.Requests["storage"] != ""
	}
	dataMounted := false
	for _, m := range c.VolumeMounts {
		dataMounted = dataMounted || (m.MountPath == "/data" && claims[m.Name])
	}
	if !dataMounted {
		t.Error("no volumeClaimTemplate with a storage request is mounted at /data")
	}
	dbOnVolume := false
	for _, e := range c.Env {
		dbOnVolume = dbOnVolume || (e.Name == "TAPBOT_DB" && strings.HasPrefix(e.Value, "/data/"))
	}
	if !dbOnVolume {
		t.Error("TAPBOT_DB is not set to a path under /data")
	}
}

// checkSelects checks that a workload's selector picks its own pods.
func checkSelects(t *testing.T, selector map[string]string, tpl podTemplate) {
	t.Helper()
	if len(selector) == 0 {
		t.Error("the selector is empty")
	}
	for k, v := range selector {
		if tpl.Metadata.Labels[k] != v {
			t.Errorf("selector %s=%s does not match the pod template labels", k, v)
		}
	}
}

// checkPod checks what every tapbot pod promises, whatever runs it: one
// container, probed on /healthz and /readyz, with resources and hardened.
// It returns the container.
func checkPod(t *testing.T, tpl podTemplate) container {
	t.Helper()
	pod := tpl.Spec
	if len(pod.Containers) != 1 {
		t.Fatalf("got %d containers, want 1", len(pod.Containers))
	}
	c := pod.Containers[0]
	checkProbe(t, "livenessProbe", c.LivenessProbe, "/healthz", c)
	checkProbe(t, "readinessProbe", c.ReadinessProbe, "/readyz", c)
	for _, res := range []string{"cpu", "memory"} {
		if c.Resources.Requests[res] == "" || c.Resources.Limits[res] == "" {
			t.Errorf("resources for %s: requests %q, limits %q; want both", res, c.Resources.Requests[res], c.Resources.Limits[res])
		}
	}
	if pod.AutomountServiceAccountToken == nil || *pod.AutomountServiceAccountToken {
		t.Error("automountServiceAccountToken is not false: tapbot never calls the Kubernetes API")
	}
	checkHardened(t, pod.SecurityContext, c.SecurityContext)
	return c
}

func checkProbe(t *testing.T, name string, p *probe, path string, c container) {
	t.Helper()
	if p == nil || p.HTTPGet == nil {
		t.Errorf("%s: want an httpGet probe on %s", name, path)
		return
	}
	if p.HTTPGet.Path != path {
		t.Errorf("%s path = %q, want %q", name, p.HTTPGet.Path, path)
	}
	for _, port := range c.Ports {
		if p.HTTPGet.Port == port.Name || p.HTTPGet.Port == port.ContainerPort {
			return
		}
	}
	t.Errorf("%s port %v is not a port the container declares", name, p.HTTPGet.Port)
}

// checkHardened checks the effective settings: the container's own security
// context overrides the pod's.
func checkHardened(t *testing.T, pod, c securityContext) {
	t.Helper()
	nonRoot := c.RunAsNonRoot
	if nonRoot == nil {
		nonRoot = pod.RunAsNonRoot
	}
	if nonRoot == nil || !*nonRoot {
		t.Error("runAsNonRoot is not true")
	}
	user := c.RunAsUser
	if user == nil {
		user = pod.RunAsUser
	}
	if user == nil || *user == 0 {
		t.Error("runAsUser must be a non-zero number: the image's user is a name the kubelet cannot check")
	}
	if c.ReadOnlyRootFilesystem == nil || !*c.ReadOnlyRootFilesystem {
		t.Error("readOnlyRootFilesystem is not true")
	}
	if c.AllowPrivilegeEscalation == nil || *c.AllowPrivilegeEscalation {
		t.Error("allowPrivilegeEscalation is not false")
	}
	if c.Capabilities == nil || !slices.Equal(c.Capabilities.Drop, []string{"ALL"}) {
		t.Error("capabilities do not drop ALL")
	}
	seccomp := c.SeccompProfile
	if seccomp == nil {
		seccomp = pod.SeccompProfile
	}
	if seccomp == nil || seccomp.Type != "RuntimeDefault" {
		t.Error("seccompProfile is not RuntimeDefault")
	}
}

type service struct {
	APIVersion string     `yaml:"apiVersion"`
	Kind       string     `yaml:"kind"`
	Metadata   objectMeta `yaml:"metadata"`
	Spec       struct {
		Type     string            `yaml:"type"`
		Selector map[string]string `yaml:"selector"`
		Ports    []struct {
			Name       string `yaml:"name"`
			Port       int    `yaml:"port"`
			TargetPort any    `yaml:"targetPort"`
			Protocol   string `yaml:"protocol"`
		} `yaml:"ports"`
	} `yaml:"spec"`
}

func TestServiceReachesTheStatefulSetPodsOnPort8080(t *testing.T) {
	docs := kubernetesDocuments(t)
	var s statefulSet
	onlyDocument(t, docs, "StatefulSet", &s)
	var svc service
	onlyDocument(t, docs, "Service", &svc)
	checkServiceReachesPod(t, s, svc)
}

// checkServiceReachesPod checks that svc is the in-cluster address of the
// pods of s, on 8080 alone.
func checkServiceReachesPod(t *testing.T, s statefulSet, svc service) {
	t.Helper()
	if s.Spec.ServiceName != svc.Metadata.Name {
		t.Errorf("statefulset serviceName %q, want %q", s.Spec.ServiceName, svc.Metadata.Name)
	}
	checkServiceReaches(t, s.Spec.Template, svc)
}

// checkServiceReaches checks that svc is the in-cluster address of the
// pods of tpl, on 8080 alone.
func checkServiceReaches(t *testing.T, tpl podTemplate, svc service) {
	t.Helper()
	if svc.Spec.Type != "ClusterIP" || len(svc.Spec.Selector) == 0 {
		t.Errorf("service type %q selector %v, want ClusterIP with a selector", svc.Spec.Type, svc.Spec.Selector)
	}
	for k, v := range svc.Spec.Selector {
		if tpl.Metadata.Labels[k] != v {
			t.Errorf("service selector %s=%s matches no pod label", k, v)
		}
	}
	if len(svc.Spec.Ports) != 1 || svc.Spec.Ports[0].Port != 8080 {
		t.Fatalf("service ports = %+v, want one port 8080", svc.Spec.Ports)
	}
	target := svc.Spec.Ports[0].TargetPort
	for _, p := range tpl.Spec.Containers[0].Ports {
		if p.ContainerPort == 8080 && (target == p.Name || target == p.ContainerPort) {
			return
		}
	}
	t.Errorf("service targetPort %v is not the container's port 8080", target)
}

// readEnvFile parses KEY=VALUE lines, skipping blanks and comments.
func readEnvFile(t *testing.T, path string) map[string]string {
	t.Helper()
	env := map[string]string{}
	for i, line := range strings.Split(string(readFile(t, path)), "\n") {
		line = strings.TrimSpace(line)
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		k, v, ok := strings.Cut(line, "=")
		if !ok {
			t.Fatalf("%s:%d: not KEY=VALUE: %q", path, i+1, line)
		}
		env[k] = v
	}
	return env
}

func TestKubernetesSecretsReachTapbotOnlyAsMountedFiles(t *testing.T) {
	docs := kubernetesDocuments(t)
	var s statefulSet
	onlyDocument(t, docs, "StatefulSet", &s)
	checkSecretsAsFiles(t, "kubernetes", s.Spec.Template)
}

// checkSecretsAsFiles checks that the Secret of dir is mounted read-only
// into the pod of tpl, that every *_FILE setting of dir's config.env names
// one of its keys and every key is read, and that no secret is set as a
// plain variable.
func checkSecretsAsFiles(t *testing.T, dir string, tpl podTemplate) {
	t.Helper()
	var secret struct {
		APIVersion string            `yaml:"apiVersion"`
		Kind       string            `yaml:"kind"`
		Metadata   objectMeta        `yaml:"metadata"`
		Type       string            `yaml:"type"`
		StringData map[string]string `yaml:"stringData"`
	}
	onlyDocument(t, kubernetesDocumentsIn(t, dir), "Secret", &secret)

	c := tpl.Spec.Containers[0]
	mountPath := ""
	for _, v := range tpl.Spec.Volumes {
		for _, m := range c.VolumeMounts {
			if v.Secret != nil && v.Secret.SecretName == secret.Metadata.Name && m.Name == v.Name && m.ReadOnly {
				mountPath = m.MountPath
			}
		}
	}
	if mountPath == "" {
		t.Fatalf("secret %q is not mounted read-only into the container", secret.Metadata.Name)
	}

	env := readEnvFile(t, filepath.Join(dir, "config.env"))
	used := map[string]bool{}
	for k, v := range env {
		if slices.Contains(secretVars, k) {
			t.Errorf("config.env sets %s directly; secrets belong in the Secret", k)
		}
		if !strings.HasSuffix(k, "_FILE") {
			continue
		}
		key, ok := strings.CutPrefix(v, mountPath+"/")
		if _, exists := secret.StringData[key]; !ok || !exists {
			t.Errorf("%s=%s names no key of the mounted Secret", k, v)
		}
		used[key] = true
	}
	for key := range secret.StringData {
		if !used[key] {
			t.Errorf("secret key %q is mounted but no *_FILE variable reads it", key)
		}
	}
	for _, e := range c.Env {
		if slices.Contains(secretVars, e.Name) {
			t.Errorf("the pod sets %s as a plain variable", e.Name)
		}
	}
}

// --- Docker ----------------------------------------------------------------

// dockerInstructions returns the Dockerfile's instructions, one per entry,
// with line continuations joined and comments dropped.
func dockerInstructions(t *testing.T, path string) []string {
	t.Helper()
	var out []string
	var cur strings.Builder
	for _, line := range strings.Split(string(readFile(t, path)), "\n") {
		trimmed := strings.TrimSpace(line)
		if strings.HasPrefix(trimmed, "#") || (trimmed == "" && cur.Len() == 0) {
			continue
		}
		cont := strings.HasSuffix(trimmed, "\\")
		cur.WriteString(strings.TrimSuffix(trimmed, "\\"))
		cur.WriteString(" ")
		if !cont {
			out = append(out, strings.TrimSpace(cur.String()))
			cur.Reset()
		}
	}
	return out
}

func TestDockerfileBuildsAStaticBinaryAndRunsItAsNonRoot(t *testing.T) {
	instrs := dockerInstructions(t, "Dockerfile")
	lastFrom := -1
	for i, in := range instrs {
		if strings.HasPrefix(in, "FROM ") {
			lastFrom = i
		}
	}
	if lastFrom <= 0 {
		t.Fatal("want a multi-stage build: a builder stage, then the runtime stage")
	}
	build, final := instrs[:lastFrom], instrs[lastFrom:]

	staticBuild := regexp.MustCompile(`^RUN .*CGO_ENABLED=0 go build .*-trimpath.*\./cmd/tapbot`)
	if !slices.ContainsFunc(build, staticBuild.MatchString) {
		t.Error("builder stage has no `CGO_ENABLED=0 go build -trimpath … ./cmd/tapbot`")
	}
	// scratch: the image holds only what deploy/image puts in it
	// (TestDockerfileBuildsTheSameImageAsTheTool there).
	if final[0] != "FROM scratch" {
		t.Errorf("runtime stage %q, want FROM scratch", final[0])
	}
	user := ""
	for _, in := range final {
		if u, ok := strings.CutPrefix(in, "USER "); ok {
			user = u
		}
	}
	if name, _, _ := strings.Cut(user, ":"); name == "" || name == "root" || name == "0" {
		t.Errorf("runtime USER = %q, want a non-root user", user)
	}
	for _, want := range []string{"VOLUME /data", "ENV TAPBOT_DB=/data/tapbot.db", "EXPOSE 8080 9090", `ENTRYPOINT ["/tapbot"]`, `CMD ["serve"]`} {
		if !slices.Contains(final, want) {
			t.Errorf("runtime stage lacks %s", want)
		}
	}
}

func TestDockerBuildContextExcludesDatabasesAndKeys(t *testing.T) {
	ignored := strings.Split(string(readFile(t, "Dockerfile.dockerignore")), "\n")
	for _, want := range []string{"**/*.db", "**/*.env", "**/*.pem", "**/*.pfx"} {
		if !slices.Contains(ignored, want) {
			t.Errorf("Dockerfile.dockerignore does not exclude %s", want)
		}
	}
}

type composeFile struct {
	Name     string `yaml:"name"`
	Services map[string]struct {
		Build struct {
			Context    string `yaml:"context"`
			Dockerfile string `yaml:"dockerfile"`
		} `yaml:"build"`
		Image           string            `yaml:"image"`
		Command         []string          `yaml:"command"`
		Restart         string            `yaml:"restart"`
		EnvFile         string            `yaml:"env_file"`
		Environment     map[string]string `yaml:"environment"`
		Secrets         []string          `yaml:"secrets"`
		Volumes         []string          `yaml:"volumes"`
		Ports           []string          `yaml:"ports"`
		ReadOnly        bool              `yaml:"read_only"`
		CapDrop         []string          `yaml:"cap_drop"`
		SecurityOpt     []string          `yaml:"security_opt"`
		StopSignal      string            `yaml:"stop_signal"`
		StopGracePeriod string            `yaml:"stop_grace_period"`
	} `yaml:"services"`
	Volumes map[string]any `yaml:"volumes"`
	Secrets map[string]struct {
		File string `yaml:"file"`
	} `yaml:"secrets"`
}

func TestComposeRunsTapbotReadOnlyWithSecretsAsFiles(t *testing.T) {
	var c composeFile
	decodeStrict(t, "docker-compose.yaml", readFile(t, "docker-compose.yaml"), &c)
	svc, ok := c.Services["tapbot"]
	if !ok {
		t.Fatal("no service named tapbot")
	}
	if svc.Build.Dockerfile != "deploy/Dockerfile" || svc.Build.Context != ".." {
		t.Errorf("build = %+v, want deploy/Dockerfile with the repository root as context", svc.Build)
	}
	if !svc.ReadOnly || !slices.Equal(svc.CapDrop, []string{"ALL"}) || !slices.Contains(svc.SecurityOpt, "no-new-privileges:true") {
		t.Errorf("read_only %v, cap_drop %v, security_opt %v: want read-only, ALL dropped, no-new-privileges",
			svc.ReadOnly, svc.CapDrop, svc.SecurityOpt)
	}
	if svc.EnvFile == "" {
		t.Error("no env_file for the non-secret settings")
	}
	dataVolume := false
	for _, v := range svc.Volumes {
		src, dst, _ := strings.Cut(v, ":")
		_, named := c.Volumes[src]
		dataVolume = dataVolume || (named && dst == "/data")
	}
	if !dataVolume {
		t.Error("no named volume is mounted at /data")
	}
	checkComposeSecrets(t, c, svc.Environment, svc.Secrets)
}

func checkComposeSecrets(t *testing.T, c composeFile, env map[string]string, secrets []string) {
	t.Helper()
	files := 0
	for k, v := range env {
		if slices.Contains(secretVars, k) {
			t.Errorf("environment sets %s directly; use %s_FILE", k, k)
		}
		if !strings.HasSuffix(k, "_FILE") {
			continue
		}
		files++
		name, ok := strings.CutPrefix(v, "/run/secrets/")
		if _, declared := c.Secrets[name]; !ok || !declared || !slices.Contains(secrets, name) {
			t.Errorf("%s=%s is not a secret the service mounts", k, v)
		}
	}
	if files == 0 {
		t.Error("no *_FILE variables: secrets are not passed as files")
	}
	example := readEnvFile(t, "tapbot.env.example")
	for _, k := range secretVars {
		if _, set := example[k]; set {
			t.Errorf("tapbot.env.example sets secret %s", k)
		}
	}
}

// --- systemd ---------------------------------------------------------------

// unitFile maps section → key → every value assigned, in order.
type unitFile map[string]map[string][]string

func parseUnit(t *testing.T, path string) unitFile {
	t.Helper()
	u := unitFile{}
	section := ""
	for i, line := range strings.Split(string(readFile(t, path)), "\n") {
		line = strings.TrimSpace(line)
		switch {
		case line == "" || strings.HasPrefix(line, "#") || strings.HasPrefix(line, ";"):
		case strings.HasPrefix(line, "[") && strings.HasSuffix(line, "]"):
			section = strings.Trim(line, "[]")
			u[section] = map[string][]string{}
		default:
			k, v, ok := strings.Cut(line, "=")
			if !ok || section == "" {
				t.Fatalf("%s:%d: not Key=Value in a section: %q", path, i+1, line)
			}
			u[section][k] = append(u[section][k], v)
		}
	}
	return u
}

func TestSystemdUnitRunsTapbotSandboxedWithPersistentState(t *testing.T) {
	svc := parseUnit(t, "systemd/tapbot.service")["Service"]
	want := map[string]string{
		"DynamicUser":             "yes",
		"StateDirectory":          "tapbot",
		"ProtectSystem":           "strict",
		"ProtectHome":             "yes",
		"PrivateTmp":              "yes",
		"PrivateDevices":          "yes",
		"NoNewPrivileges":         "yes",
		"ProtectKernelTunables":   "yes",
		"ProtectKernelModules":    "yes",
		"ProtectKernelLogs":       "yes",
		"ProtectControlGroups":    "yes",
		"RestrictAddressFamilies": "AF_INET AF_INET6 AF_UNIX",
		"RestrictNamespaces":      "yes",
		"LockPersonality":         "yes",
		"MemoryDenyWriteExecute":  "yes",
		"SystemCallFilter":        "@system-service",
		"CapabilityBoundingSet":   "",
		"Restart":                 "on-failure",
		"KillSignal":              "SIGTERM",
		"TimeoutStopSec":          "30",
		"EnvironmentFile":         "-/etc/tapbot/tapbot.env",
	}
	for k, v := range want {
		if got, ok := svc[k]; !ok || got[0] != v {
			t.Errorf("%s = %q, want %q", k, got, v)
		}
	}
	if !slices.Contains(svc["Environment"], "TAPBOT_DB=/var/lib/tapbot/tapbot.db") {
		t.Error("TAPBOT_DB does not point into the StateDirectory /var/lib/tapbot")
	}
	if !slices.ContainsFunc(svc["ExecStart"], func(s string) bool { return strings.HasSuffix(s, "tapbot serve") }) {
		t.Errorf("ExecStart = %q, want tapbot serve", svc["ExecStart"])
	}
}

func TestSystemdSecretsArriveAsCredentialsNamedByFileVariables(t *testing.T) {
	svc := parseUnit(t, "systemd/tapbot.service")["Service"]
	loaded := map[string]bool{}
	for _, lc := range svc["LoadCredential"] {
		id, src, ok := strings.Cut(lc, ":")
		if !ok || !strings.HasPrefix(src, "/") {
			t.Errorf("LoadCredential=%s: want id:/absolute/path", lc)
		}
		loaded[id] = false
	}
	for _, e := range svc["Environment"] {
		k, v, _ := strings.Cut(e, "=")
		if slices.Contains(secretVars, k) {
			t.Errorf("Environment sets secret %s directly", k)
		}
		if !strings.HasSuffix(k, "_FILE") {
			continue
		}
		id, ok := strings.CutPrefix(v, "%d/")
		if _, isLoaded := loaded[id]; !ok || !isLoaded {
			t.Errorf("%s=%s is not a credential the unit loads", k, v)
		}
		loaded[id] = true
	}
	if len(loaded) == 0 {
		t.Error("no LoadCredential= lines: secrets would have to sit in the environment")
	}
	for id, read := range loaded {
		if !read {
			t.Errorf("credential %q is loaded but no *_FILE variable points at it", id)
		}
	}
}

// --- Entra -----------------------------------------------------------------

func TestCreateAppScriptIsValidBash(t *testing.T) {
	out, err := exec.Command("bash", "-n", "entra/create-app.sh").CombinedOutput()
	if err != nil {
		t.Fatalf("bash -n entra/create-app.sh: %v\n%s", err, out)
	}
}

// fakeAz stands in for the Azure CLI: it logs each call to $AZ_LOG and
// answers the queries create-app.sh makes from the FAKE_* variables.
const fakeAz = `#!/usr/bin/env bash
printf '%s\n' "$*" >>"$AZ_LOG"
args="$*"
case "$args" in
"account show"*) echo tenant-1 ;;
"cloud show"*) echo "${FAKE_AUTHORITY:-https://login.microsoftonline.com/}" ;;
"ad app list"*) [[ -z "$FAKE_EXISTING_APPS" ]] || printf '%s\n' "$FAKE_EXISTING_APPS" ;;
"ad app create"*) echo new-app ;;
"ad app show"*) [[ -z "$FAKE_REDIRECT_URIS" ]] || printf '%s\n' "$FAKE_REDIRECT_URIS" ;;
"ad app update"*) [[ -z "$FAKE_UPDATE_FAILS" ]] || { echo "ERROR: Insufficient privileges" >&2; exit 1; } ;;
"ad sp show"*)
	if [[ "$args" =~ value==\'([^\']+)\' ]]; then
		[[ "${BASH_REMATCH[1]}" == "$FAKE_UNKNOWN_ROLE" ]] || echo "role-${BASH_REMATCH[1]}"
	fi ;;
"ad app permission add"*) ;;
"ad sp list"*) ;;
"ad sp create"*) echo '{}' ;;
"ad app credential reset"*)
	if [[ "$args" == *--create-cert* ]]; then echo /home/op/tapbot-cert.pem; else echo s3cr3t-value; fi ;;
*) echo "fake az: unexpected call: $args" >&2; exit 3 ;;
esac
`

type scriptRun struct {
	ok             bool
	stdout, stderr string
	calls          []string
}

func runCreateApp(t *testing.T, env []string, args ...string) scriptRun {
	t.Helper()
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "az"), []byte(fakeAz), 0o755); err != nil {
		t.Fatal(err)
	}
	logPath := filepath.Join(dir, "az.log")
	cmd := exec.Command("bash", append([]string{"entra/create-app.sh"}, args...)...)
	cmd.Env = append(os.Environ(), "PATH="+dir+string(os.PathListSeparator)+os.Getenv("PATH"), "AZ_LOG="+logPath,
		"FAKE_EXISTING_APPS=", "FAKE_UNKNOWN_ROLE=", "FAKE_AUTHORITY=", "FAKE_REDIRECT_URIS=", "FAKE_UPDATE_FAILS=")
	cmd.Env = append(cmd.Env, env...)
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	err := cmd.Run()
	var exitErr *exec.ExitError
	if err != nil && !errors.As(err, &exitErr) {
		t.Fatalf("run create-app.sh: %v", err)
	}
	logData, _ := os.ReadFile(logPath)
	return scriptRun{
		ok:     err == nil,
		stdout: stdout.String(),
		stderr: stderr.String(),
		calls:  strings.Split(strings.TrimSpace(string(logData)), "\n"),
	}
}

// grants returns the --api-permissions values of the permission add call.
func (r scriptRun) grants() []string {
	for _, call := range r.calls {
		if !strings.HasPrefix(call, "ad app permission add") {
			continue
		}
		_, rest, _ := strings.Cut(call, "--api-permissions ")
		var out []string
		for _, f := range strings.Fields(rest) {
			if strings.HasPrefix(f, "--") {
				break
			}
			out = append(out, f)
		}
		return sortedCopy(out)
	}
	return nil
}

func (r scriptRun) called(prefix string) bool {
	return slices.ContainsFunc(r.calls, func(c string) bool { return strings.HasPrefix(c, prefix) })
}

func TestCreateAppScriptRequestsGraphPermissionsAndPrintsCredentialOnce(t *testing.T) {
	base := []string{"role-Policy.Read.AuthenticationMethod=Role", "role-PrivilegedEligibilitySchedule.Read.AzureADGroup=Role", "role-RoleManagement.Read.Directory=Role", "role-User.Read.All=Role", "role-UserAuthMethod-TAP.ReadWrite.All=Role"}
	all := sortedCopy(append(slices.Clone(base), "role-GroupMember.Read.All=Role"))
	noRoles := []string{"role-Policy.Read.AuthenticationMethod=Role", "role-User.Read.All=Role", "role-UserAuthMethod-TAP.ReadWrite.All=Role"}
	broadPasses := sortedCopy(append(slices.DeleteFunc(slices.Clone(base), func(g string) bool { return g == "role-UserAuthMethod-TAP.ReadWrite.All=Role" }),
		"role-UserAuthenticationMethod.ReadWrite.All=Role"))
	riskChecks := sortedCopy(append(slices.Clone(base), "role-IdentityRiskyUser.Read.All=Role", "role-UserAuthenticationMethod.Read.All=Role"))
	targetMail := sortedCopy(append(slices.Clone(base), "role-Mail.Send=Role"))
	consent := "https://login.microsoftonline.com/tenant-1/adminconsent?client_id="
	tests := []struct {
		name       string
		args, env  []string
		wantOK     bool
		wantGrants []string
		wantStdout string
		wantCalls  []string
		notCalled  []string
		wantStderr string
	}{{
		name:       "default creates app, service principal and a short-lived secret",
		wantOK:     true,
		wantGrants: base,
		wantStdout: "AZURE_TENANT_ID=tenant-1\nAZURE_CLIENT_ID=new-app\nAZURE_CLIENT_SECRET=s3cr3t-value\n",
		wantCalls:  []string{"ad app create --display-name tapbot", "ad sp create --id new-app", "ad app credential reset --id new-app --append --display-name tapbot --end-date"},
	}, {
		name:       "without role checks the directory role permissions are not asked for",
		args:       []string{"--no-role-checks"},
		wantOK:     true,
		wantGrants: noRoles,
		wantStdout: "AZURE_TENANT_ID=tenant-1\nAZURE_CLIENT_ID=new-app\nAZURE_CLIENT_SECRET=s3cr3t-value\n",
	}, {
		name:       "cert and group checks add a certificate and a permission",
		args:       []string{"--cert", "--group-checks"},
		wantOK:     true,
		wantGrants: all,
		wantStdout: "AZURE_TENANT_ID=tenant-1\nAZURE_CLIENT_ID=new-app\nAZURE_CLIENT_CERTIFICATE_PATH=/home/op/tapbot-cert.pem\n",
		wantCalls:  []string{"ad app credential reset --id new-app --append --create-cert"},
	}, {
		name:       "an existing registration is reused, not duplicated",
		env:        []string{"FAKE_EXISTING_APPS=old-app"},
		wantOK:     true,
		wantGrants: base,
		wantStdout: "AZURE_TENANT_ID=tenant-1\nAZURE_CLIENT_ID=old-app\nAZURE_CLIENT_SECRET=s3cr3t-value\n",
		notCalled:  []string{"ad app create"},
	}, {
		name:      "two registrations with the name stop before any credential",
		env:       []string{"FAKE_EXISTING_APPS=app-1\napp-2"},
		notCalled: []string{"ad app permission add", "ad app credential reset"},
	}, {
		name:      "a name that would break the OData filter is refused before any call",
		args:      []string{"--name", "tap'bot"},
		notCalled: []string{"account show", "ad app list"},
	}, {
		name:      "an unknown permission name stops before any change",
		env:       []string{"FAKE_UNKNOWN_ROLE=User.Read.All"},
		notCalled: []string{"ad app permission add", "ad sp create", "ad app credential reset"},
	}, {
		name:       "a cloud without the TAP-only permission gets the broad one, and is told so",
		env:        []string{"FAKE_UNKNOWN_ROLE=UserAuthMethod-TAP.ReadWrite.All"},
		wantOK:     true,
		wantGrants: broadPasses,
		wantStdout: "AZURE_TENANT_ID=tenant-1\nAZURE_CLIENT_ID=new-app\nAZURE_CLIENT_SECRET=s3cr3t-value\n",
		wantStderr: "has no UserAuthMethod-TAP.ReadWrite.All; requesting the broader UserAuthenticationMethod.ReadWrite.All instead",
	}, {
		name:       "risk checks add the optional risk and methods permissions",
		args:       []string{"--risk-checks"},
		wantOK:     true,
		wantGrants: riskChecks,
		wantStdout: "AZURE_TENANT_ID=tenant-1\nAZURE_CLIENT_ID=new-app\nAZURE_CLIENT_SECRET=s3cr3t-value\n",
	}, {
		name:       "target mail adds Mail.Send and says how to restrict it",
		args:       []string{"--target-mail"},
		wantOK:     true,
		wantGrants: targetMail,
		wantStdout: "AZURE_TENANT_ID=tenant-1\nAZURE_CLIENT_ID=new-app\nAZURE_CLIENT_SECRET=s3cr3t-value\n",
		wantStderr: "New-ApplicationAccessPolicy -AppId new-app -PolicyScopeGroupId <group address> -AccessRight RestrictAccess",
	}}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			r := runCreateApp(t, tc.env, tc.args...)
			if r.ok != tc.wantOK {
				t.Fatalf("success = %v, want %v\nstderr:\n%s", r.ok, tc.wantOK, r.stderr)
			}
			if got := r.grants(); !slices.Equal(got, tc.wantGrants) {
				t.Errorf("Graph permissions requested = %v, want %v", got, tc.wantGrants)
			}
			if r.stdout != tc.wantStdout {
				t.Errorf("stdout = %q, want %q", r.stdout, tc.wantStdout)
			}
			if !strings.Contains(r.stderr, tc.wantStderr) {
				t.Errorf("stderr lacks %q:\n%s", tc.wantStderr, r.stderr)
			}
			if strings.Contains(r.stderr, "s3cr3t-value") {
				t.Error("the client secret leaked to stderr")
			}
			if tc.wantOK && !strings.Contains(r.stderr, consent) {
				t.Errorf("stderr lacks the admin-consent URL %s…:\n%s", consent, r.stderr)
			}
			for _, c := range tc.wantCalls {
				if !r.called(c) {
					t.Errorf("az was not called with %q; calls:\n%s", c, strings.Join(r.calls, "\n"))
				}
			}
			for _, c := range tc.notCalled {
				if r.called(c) {
					t.Errorf("az was called with %q, want no such call", c)
				}
			}
		})
	}
}

// --- Teams -----------------------------------------------------------------

func TestTeamsManifestDeclaresTheBotWithValidIcons(t *testing.T) {
	var m struct {
		ManifestVersion string `json:"manifestVersion"`
		ID              string `json:"id"`
		Name            struct {
			Short string `json:"short"`
			Full  string `json:"full"`
		} `json:"name"`
		Description struct {
			Short string `json:"short"`
			Full  string `json:"full"`
		} `json:"description"`
		Icons struct {
			Color   string `json:"color"`
			Outline string `json:"outline"`
		} `json:"icons"`
		Bots []struct {
			BotID        string   `json:"botId"`
			Scopes       []string `json:"scopes"`
			CommandLists []struct {
				Commands []struct {
					Title       string `json:"title"`
					Description string `json:"description"`
				} `json:"commands"`
			} `json:"commandLists"`
		} `json:"bots"`
	}
	if err := json.Unmarshal(readFile(t, "teams/manifest.json"), &m); err != nil {
		t.Fatalf("parse teams/manifest.json: %v", err)
	}
	guid := regexp.MustCompile(`^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$`)
	if len(m.Bots) != 1 || !guid.MatchString(m.ID) || m.Bots[0].BotID != m.ID {
		t.Fatalf("want one bot whose botId is the app id, both GUIDs; got id %q bots %+v", m.ID, m.Bots)
	}
	if !slices.Contains(m.Bots[0].Scopes, "personal") {
		t.Error("bot lacks the personal scope: passes are delivered in the 1:1 chat")
	}
	if len(m.Name.Short) > 30 || len(m.Description.Short) > 80 || len(m.Description.Full) > 4000 {
		t.Error("name or description exceeds the Teams manifest limits (30, 80, 4000)")
	}
	for _, l := range m.Bots[0].CommandLists {
		for _, c := range l.Commands {
			if len(c.Title) > 32 || len(c.Description) > 128 {
				t.Errorf("command %q exceeds the limits (title 32, description 128)", c.Title)
			}
		}
	}
	checkIcon(t, filepath.Join("teams", m.Icons.Color), 192, false)
	checkIcon(t, filepath.Join("teams", m.Icons.Outline), 32, true)
}

func checkIcon(t *testing.T, path string, size int, transparent bool) {
	t.Helper()
	img, err := png.Decode(bytes.NewReader(readFile(t, path)))
	if err != nil {
		t.Fatalf("decode %s: %v", path, err)
	}
	if b := img.Bounds(); b.Dx() != size || b.Dy() != size {
		t.Errorf("%s is %dx%d, want %dx%d", path, b.Dx(), b.Dy(), size, size)
	}
	if _, _, _, a := img.At(0, 0).RGBA(); (a == 0) != transparent {
		t.Errorf("%s: corner transparent = %v, want %v", path, a == 0, transparent)
	}
}

// --- metrics ---------------------------------------------------------------

// metricsPort is the port of a TAPBOT_METRICS_LISTEN value that listens on
// every interface of a container (":9090"): its default, 127.0.0.1:9090,
// would be the container's own loopback, which Prometheus cannot reach.
func metricsPort(t *testing.T, listen string) string {
	t.Helper()
	host, port, err := net.SplitHostPort(listen)
	if err != nil || host != "" || port == "" {
		t.Fatalf("TAPBOT_METRICS_LISTEN = %q, want :<port>, reachable from outside the container", listen)
	}
	return port
}

func TestKubernetesMetricsHaveAScrapedPortOfTheirOwn(t *testing.T) {
	var s statefulSet
	onlyDocument(t, kubernetesDocuments(t), "StatefulSet", &s)
	checkMetricsScraped(t, s)
}

// checkMetricsScraped checks that the pod serves /metrics on a declared
// port of its own and tells Prometheus so.
func checkMetricsScraped(t *testing.T, s statefulSet) {
	t.Helper()
	checkPodMetricsScraped(t, s.Spec.Template)
}

// checkPodMetricsScraped is checkMetricsScraped of any pod template.
func checkPodMetricsScraped(t *testing.T, tpl podTemplate) {
	t.Helper()
	c := tpl.Spec.Containers[0]
	listen := ""
	for _, e := range c.Env {
		if e.Name == "TAPBOT_METRICS_LISTEN" {
			listen = e.Value
		}
	}
	port := metricsPort(t, listen)
	declared := false
	for _, p := range c.Ports {
		declared = declared || (p.Name == "metrics" && strconv.Itoa(p.ContainerPort) == port)
	}
	if !declared {
		t.Errorf("the container declares no port named metrics on %s", port)
	}
	ann := tpl.Metadata.Annotations
	if ann["prometheus.io/scrape"] != "true" || ann["prometheus.io/port"] != port || ann["prometheus.io/path"] != "/metrics" {
		t.Errorf("pod annotations %v, want prometheus.io/scrape true, port %s, path /metrics", ann, port)
	}
	// The Service carries 8080 alone (TestServiceReachesTheStatefulSetPodsOnPort8080),
	// so the ingress in front of it cannot reach /metrics.
}

func TestComposePublishesMetricsOnlyOnTheHostLoopback(t *testing.T) {
	var c composeFile
	decodeStrict(t, "docker-compose.yaml", readFile(t, "docker-compose.yaml"), &c)
	svc := c.Services["tapbot"]
	port := metricsPort(t, svc.Environment["TAPBOT_METRICS_LISTEN"])
	if want := "127.0.0.1:" + port + ":" + port; !slices.Contains(svc.Ports, want) {
		t.Errorf("ports %v, want %s", svc.Ports, want)
	}
	for _, p := range svc.Ports {
		if !strings.HasPrefix(p, "127.0.0.1:") {
			t.Errorf("port %s is published beyond the host's loopback", p)
		}
	}
}

// The Entra admin center files everything under "Entra ID" now; the old
// top-level "Identity" and "Protection" menus send readers nowhere.
func TestPortalPathsFollowTodaysEntraAdminCenter(t *testing.T) {
	for _, file := range []string{"entra/PORTAL.md", "README.md", "../README.md", "../docs/architecture.md"} {
		text := string(readFile(t, file))
		for _, old := range []string{"Protection → Authentication methods", "Identity → Applications", "Identity → Protection"} {
			if strings.Contains(text, old) {
				t.Errorf("%s still says %q; the path now starts at Entra ID →", file, old)
			}
		}
	}
}

// --- SIEM ------------------------------------------------------------------

func TestSIEMExamplesPassSecretsAsFilesAndShipOnlyAuditLines(t *testing.T) {
	env := readEnvFile(t, "siem/splunk/tapbot.env")
	for k := range env {
		if slices.Contains(secretVars, k) {
			t.Errorf("siem/splunk/tapbot.env sets secret %s directly; use %s_FILE", k, k)
		}
	}
	if env["TAPBOT_AUDIT_WEBHOOK_FORMAT"] != "splunk-hec" || !strings.HasSuffix(env["TAPBOT_AUDIT_WEBHOOK"], "/services/collector/event") || env["TAPBOT_AUDIT_WEBHOOK_HEADER_FILE"] == "" {
		t.Errorf("the Splunk example does not point tapbot at HEC's event endpoint with its token: %v", env)
	}
	var fb struct {
		Pipeline struct {
			Filters []map[string]any `yaml:"filters"`
			Outputs []map[string]any `yaml:"outputs"`
		} `yaml:"pipeline"`
	}
	if err := yaml.Unmarshal(readFile(t, "siem/fluent-bit/fluent-bit.yaml"), &fb); err != nil {
		t.Fatalf("siem/fluent-bit/fluent-bit.yaml: %v", err)
	}
	grep := fmt.Sprint(fb.Pipeline.Filters)
	if !strings.Contains(grep, "stream stdout") || !strings.Contains(grep, `tapbot\.audit/v1`) {
		t.Errorf("the Fluent Bit example does not keep only stdout audit lines: %s", grep)
	}
	for _, out := range fb.Pipeline.Outputs {
		if out["retry_limit"] != "no_limits" || strings.Contains(fmt.Sprint(out), "Splunk ") {
			t.Errorf("Fluent Bit output %v may drop records or holds a token", out["name"])
		}
	}
}
