package deploy

import (
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

// postgresDir holds the manifests of tapbot on PostgreSQL: a Deployment of
// two replicas instead of the bbolt StatefulSet.
var postgresDir = filepath.Join("kubernetes", "postgres")

type deployment struct {
	APIVersion string     `yaml:"apiVersion"`
	Kind       string     `yaml:"kind"`
	Metadata   objectMeta `yaml:"metadata"`
	Spec       struct {
		Replicas *int `yaml:"replicas"`
		Selector struct {
			MatchLabels map[string]string `yaml:"matchLabels"`
		} `yaml:"selector"`
		Strategy struct {
			Type          string `yaml:"type"`
			RollingUpdate *struct {
				MaxSurge       any `yaml:"maxSurge"`
				MaxUnavailable any `yaml:"maxUnavailable"`
			} `yaml:"rollingUpdate"`
		} `yaml:"strategy"`
		Template podTemplate `yaml:"template"`
	} `yaml:"spec"`
}

type podDisruptionBudget struct {
	APIVersion string     `yaml:"apiVersion"`
	Kind       string     `yaml:"kind"`
	Metadata   objectMeta `yaml:"metadata"`
	Spec       struct {
		MinAvailable               any           `yaml:"minAvailable"`
		MaxUnavailable             any           `yaml:"maxUnavailable"`
		Selector                   labelSelector `yaml:"selector"`
		UnhealthyPodEvictionPolicy string        `yaml:"unhealthyPodEvictionPolicy"`
	} `yaml:"spec"`
}

// postgresDeployment is the only Deployment of postgresDir.
func postgresDeployment(t *testing.T) deployment {
	t.Helper()
	var d deployment
	onlyDocument(t, kubernetesDocumentsIn(t, postgresDir), "Deployment", &d)
	return d
}

func TestPostgresKustomizationAppliesEveryManifestWithAPinnedImage(t *testing.T) {
	k := checkKustomization(t, postgresDir)
	if len(k.Images) != 1 || k.Images[0]["name"] != "tapbot" {
		t.Fatalf("images = %v, want the tapbot image named once", k.Images)
	}
	img := k.Images[0]
	if tag := img["newTag"]; (tag == "" || tag == "latest") && img["digest"] == "" {
		t.Errorf("image %v is not pinned: two replicas in a rollout must run builds somebody chose, so name a release tag or a digest", img)
	}
	if docs := kubernetesDocumentsIn(t, postgresDir); len(docs["StatefulSet"]) != 0 {
		t.Error("the PostgreSQL manifests hold a StatefulSet: its bbolt file belongs to deploy/kubernetes")
	}
}

func TestDeploymentRunsTwoHardenedReplicasOnPostgresAcrossNodes(t *testing.T) {
	d := postgresDeployment(t)
	spec := d.Spec
	if spec.Replicas == nil || *spec.Replicas != 2 {
		t.Errorf("replicas = %s, want 2", show(spec.Replicas))
	}
	if ru := spec.Strategy.RollingUpdate; spec.Strategy.Type != "RollingUpdate" || ru == nil || ru.MaxUnavailable != 0 {
		t.Errorf("strategy %+v: want RollingUpdate with maxUnavailable 0, so a new replica is ready before an old one stops", spec.Strategy)
	}
	checkSelects(t, spec.Selector.MatchLabels, spec.Template)
	c := checkPod(t, spec.Template)

	if p := c.ReadinessProbe; p != nil && p.TimeoutSeconds <= 2 {
		t.Errorf("readinessProbe timeoutSeconds = %d, want more than the 2 s /readyz gives the database (cmd/tapbot/readiness.go)", p.TimeoutSeconds)
	}
	env := readEnvFile(t, filepath.Join(postgresDir, "config.env"))
	if !strings.HasPrefix(env["TAPBOT_DATABASE_URL_FILE"], "/etc/tapbot/secrets/") {
		t.Errorf("config.env TAPBOT_DATABASE_URL_FILE = %q, want a file of the mounted Secret", env["TAPBOT_DATABASE_URL_FILE"])
	}
	// The image sets TAPBOT_DB=/data/tapbot.db; with both, tapbot refuses to start.
	dbCleared := false
	for _, e := range c.Env {
		dbCleared = dbCleared || (e.Name == "TAPBOT_DB" && e.Value == "" && e.ValueFrom == nil)
	}
	if _, inConfig := env["TAPBOT_DB"]; !dbCleared || inConfig {
		t.Error("TAPBOT_DB is not set empty on the container (the image names a bbolt file), or config.env sets it")
	}
	for _, m := range c.VolumeMounts {
		if m.MountPath == "/data" {
			t.Error("a volume is mounted at /data: on PostgreSQL the replicas keep no state of their own")
		}
	}

	aa := spec.Template.Spec.Affinity
	if aa == nil || aa.PodAntiAffinity == nil || len(aa.PodAntiAffinity.Preferred) != 1 {
		t.Fatal("want one preferred pod anti-affinity term: replicas on different nodes where there are some, and still scheduled on one")
	}
	term := aa.PodAntiAffinity.Preferred[0].PodAffinityTerm
	if term.TopologyKey != "kubernetes.io/hostname" || !labelsMatch(term.LabelSelector.MatchLabels, spec.Template.Metadata.Labels) {
		t.Errorf("anti-affinity term %+v: want tapbot's own pods kept apart by kubernetes.io/hostname", term)
	}
}

func TestPodDisruptionBudgetKeepsOneReplicaAnswering(t *testing.T) {
	d := postgresDeployment(t)
	var pdb podDisruptionBudget
	onlyDocument(t, kubernetesDocumentsIn(t, postgresDir), "PodDisruptionBudget", &pdb)
	if pdb.APIVersion != "policy/v1" || pdb.Spec.MinAvailable != 1 || pdb.Spec.MaxUnavailable != nil {
		t.Errorf("PodDisruptionBudget %s %+v, want policy/v1 with minAvailable 1 alone", pdb.APIVersion, pdb.Spec)
	}
	if sel := pdb.Spec.Selector.MatchLabels; len(sel) == 0 || !labelsMatch(sel, d.Spec.Template.Metadata.Labels) {
		t.Errorf("PodDisruptionBudget selector %v does not select the Deployment's pods", sel)
	}
	if pdb.Spec.UnhealthyPodEvictionPolicy != "AlwaysAllow" {
		t.Errorf("unhealthyPodEvictionPolicy = %q, want AlwaysAllow: replicas not ready (database down) must not block a node drain", pdb.Spec.UnhealthyPodEvictionPolicy)
	}
}

func TestPostgresServiceReachesEveryReplicaOnPort8080(t *testing.T) {
	var svc service
	onlyDocument(t, kubernetesDocumentsIn(t, postgresDir), "Service", &svc)
	checkServiceReaches(t, postgresDeployment(t).Spec.Template, svc)
}

func TestPostgresSecretsAndTheDatabaseURLReachTapbotOnlyAsMountedFiles(t *testing.T) {
	checkSecretsAsFiles(t, postgresDir, postgresDeployment(t).Spec.Template)
}

func TestPostgresMetricsHaveAScrapedPortOfTheirOwn(t *testing.T) {
	checkPodMetricsScraped(t, postgresDeployment(t).Spec.Template)
}

func TestPostgresNetworkPolicyAddsOnlyTheDatabase(t *testing.T) {
	var np networkPolicy
	onlyDocument(t, kubernetesDocumentsIn(t, postgresDir), "NetworkPolicy", &np)
	checkPodNetworkPolicy(t, np, postgresDeployment(t).Spec.Template,
		wantPolicy{ingressNamespace: "ingress-nginx", monitoringNamespace: "monitoring", databaseCIDR: "192.0.2.10/32"})
}

// The namespace is the one deploy/kubernetes makes, restricted alike.
func TestPostgresNamespaceIsTheRestrictedOne(t *testing.T) {
	want := readFile(t, filepath.Join("kubernetes", "namespace.yaml"))
	if got := readFile(t, filepath.Join(postgresDir, "namespace.yaml")); !slices.Equal(got, want) {
		t.Error("kubernetes/postgres/namespace.yaml differs from kubernetes/namespace.yaml: both deploy into one restricted namespace")
	}
}
