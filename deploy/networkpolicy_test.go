package deploy

import (
	"fmt"
	"net/netip"
	"slices"
	"strings"
	"testing"
)

type networkPolicy struct {
	APIVersion string     `yaml:"apiVersion"`
	Kind       string     `yaml:"kind"`
	Metadata   objectMeta `yaml:"metadata"`
	Spec       struct {
		PodSelector struct {
			MatchLabels map[string]string `yaml:"matchLabels"`
		} `yaml:"podSelector"`
		PolicyTypes []string `yaml:"policyTypes"`
		Ingress     []struct {
			From  []peer       `yaml:"from"`
			Ports []policyPort `yaml:"ports"`
		} `yaml:"ingress"`
		Egress []struct {
			To    []peer       `yaml:"to"`
			Ports []policyPort `yaml:"ports"`
		} `yaml:"egress"`
	} `yaml:"spec"`
}

type peer struct {
	NamespaceSelector *labelSelector `yaml:"namespaceSelector"`
	PodSelector       *labelSelector `yaml:"podSelector"`
	IPBlock           *struct {
		CIDR   string   `yaml:"cidr"`
		Except []string `yaml:"except"`
	} `yaml:"ipBlock"`
}

type labelSelector struct {
	MatchLabels map[string]string `yaml:"matchLabels"`
}

type policyPort struct {
	Port     int    `yaml:"port"`
	Protocol string `yaml:"protocol"`
}

// privateRanges are the addresses that are never the internet: other pods,
// nodes, cloud metadata endpoints, the customer's own networks.
var privateRanges = []string{"10.0.0.0/8", "100.64.0.0/10", "127.0.0.0/8", "169.254.0.0/16", "172.16.0.0/12", "192.168.0.0/16", "fc00::/7", "fe80::/10"}

// wantPolicy is what a NetworkPolicy for tapbot must allow, and nothing more.
type wantPolicy struct {
	ingressNamespace, monitoringNamespace string
	proxyCIDR                             string // "" for direct HTTPS to public addresses
	proxyPort                             int
	databaseCIDR                          string // PostgreSQL's address; "" for none (bbolt)
}

// policyRule is one allowed connection, written so rules compare as strings.
func policyRule(dir, who string, p policyPort) string {
	return fmt.Sprintf("%s %s %s/%d", dir, who, p.Protocol, p.Port)
}

func peerName(t *testing.T, p peer) string {
	t.Helper()
	switch {
	case p.IPBlock != nil && p.NamespaceSelector == nil && p.PodSelector == nil:
		checkIPBlock(t, p.IPBlock.CIDR, p.IPBlock.Except)
		return "ip " + p.IPBlock.CIDR
	case p.NamespaceSelector != nil && p.IPBlock == nil:
		name := "ns " + p.NamespaceSelector.MatchLabels["kubernetes.io/metadata.name"]
		if len(p.NamespaceSelector.MatchLabels) != 1 {
			name = fmt.Sprintf("ns %v", p.NamespaceSelector.MatchLabels)
		}
		if p.PodSelector != nil {
			name += fmt.Sprintf(" pods %v", p.PodSelector.MatchLabels)
		}
		return name
	}
	t.Errorf("peer %+v: want a namespace (with optional pods) or an ipBlock", p)
	return "?"
}

// checkIPBlock fails for a block that reaches a private range: a block
// wider than /0 … /7 must carve every private range of its family out.
func checkIPBlock(t *testing.T, cidr string, except []string) {
	t.Helper()
	block, err := netip.ParsePrefix(cidr)
	if err != nil {
		t.Fatalf("ipBlock cidr %q: %v", cidr, err)
	}
	for _, r := range privateRanges {
		private := netip.MustParsePrefix(r)
		if private.Addr().Is4() != block.Addr().Is4() || !block.Overlaps(private) {
			continue
		}
		if block.Bits() >= private.Bits() && private.Contains(block.Addr()) {
			continue // a single proxy inside a private range is the point
		}
		if !slices.Contains(except, r) {
			t.Errorf("ipBlock %s reaches private range %s", cidr, r)
		}
	}
}

// allowedRules lists every connection np allows, as policyRule strings.
func allowedRules(t *testing.T, np networkPolicy) []string {
	t.Helper()
	var rules []string
	add := func(dir string, peers []peer, ports []policyPort) {
		if len(peers) == 0 || len(ports) == 0 {
			t.Errorf("an %s rule without peers or ports allows everything: %+v %+v", dir, peers, ports)
		}
		for _, p := range peers {
			for _, port := range ports {
				rules = append(rules, policyRule(dir, peerName(t, p), port))
			}
		}
	}
	for _, in := range np.Spec.Ingress {
		add("in", in.From, in.Ports)
	}
	for _, out := range np.Spec.Egress {
		add("out", out.To, out.Ports)
	}
	return sortedCopy(rules)
}

func (w wantPolicy) rules() []string {
	rules := []string{
		policyRule("in", "ns "+w.ingressNamespace, policyPort{8080, "TCP"}),
		policyRule("in", "ns "+w.monitoringNamespace, policyPort{9090, "TCP"}),
		policyRule("out", "ns kube-system pods map[k8s-app:kube-dns]", policyPort{53, "UDP"}),
		policyRule("out", "ns kube-system pods map[k8s-app:kube-dns]", policyPort{53, "TCP"}),
	}
	if w.databaseCIDR != "" {
		rules = append(rules, policyRule("out", "ip "+w.databaseCIDR, policyPort{5432, "TCP"}))
	}
	if w.proxyCIDR != "" {
		rules = append(rules, policyRule("out", "ip "+w.proxyCIDR, policyPort{w.proxyPort, "TCP"}))
	} else {
		rules = append(rules, policyRule("out", "ip 0.0.0.0/0", policyPort{443, "TCP"}), policyRule("out", "ip ::/0", policyPort{443, "TCP"}))
	}
	return sortedCopy(rules)
}

// checkNetworkPolicy checks that np applies to the pods of s in both
// directions and allows exactly what w says.
func checkNetworkPolicy(t *testing.T, np networkPolicy, s statefulSet, w wantPolicy) {
	t.Helper()
	checkPodNetworkPolicy(t, np, s.Spec.Template, w)
}

// checkPodNetworkPolicy is checkNetworkPolicy for the pods of tpl.
func checkPodNetworkPolicy(t *testing.T, np networkPolicy, tpl podTemplate, w wantPolicy) {
	t.Helper()
	if got := sortedCopy(np.Spec.PolicyTypes); !slices.Equal(got, []string{"Egress", "Ingress"}) {
		t.Errorf("policyTypes = %v, want Ingress and Egress: a missing type is not denied", np.Spec.PolicyTypes)
	}
	sel := np.Spec.PodSelector.MatchLabels
	if !labelsMatch(sel, tpl.Metadata.Labels) {
		t.Errorf("podSelector %v does not select tapbot's pods %v", sel, tpl.Metadata.Labels)
	}
	if got, want := allowedRules(t, np), w.rules(); !slices.Equal(got, want) {
		t.Errorf("the policy allows\n  %s\nwant exactly\n  %s", strings.Join(got, "\n  "), strings.Join(want, "\n  "))
	}
}

func TestNetworkPolicyAllowsOnlyWebhooksMetricsDNSAndPublicHTTPS(t *testing.T) {
	docs := kubernetesDocuments(t)
	var s statefulSet
	onlyDocument(t, docs, "StatefulSet", &s)
	var np networkPolicy
	onlyDocument(t, docs, "NetworkPolicy", &np)
	checkNetworkPolicy(t, np, s, wantPolicy{ingressNamespace: "ingress-nginx", monitoringNamespace: "monitoring"})
}

func TestChartNetworkPolicyAllowsOnlyWebhooksMetricsDNSAndTheWayOut(t *testing.T) {
	proxy := map[string]any{"egress": map[string]any{"proxyURL": "http://proxy.corp.example:8080", "proxyCIDR": "10.20.30.40/32", "proxyPort": 8080}}
	tests := []struct {
		name      string
		override  map[string]any
		want      wantPolicy
		wantProxy string
	}{{
		name: "direct: HTTPS to public addresses",
		want: wantPolicy{ingressNamespace: "ingress-nginx", monitoringNamespace: "monitoring"},
	}, {
		name:      "behind a proxy: the proxy alone",
		override:  proxy,
		want:      wantPolicy{ingressNamespace: "ingress-nginx", monitoringNamespace: "monitoring", proxyCIDR: "10.20.30.40/32", proxyPort: 8080},
		wantProxy: "http://proxy.corp.example:8080",
	}, {
		name:     "other namespaces",
		override: map[string]any{"networkPolicy": map[string]any{"ingressNamespace": "traefik", "monitoringNamespace": "prometheus"}},
		want:     wantPolicy{ingressNamespace: "traefik", monitoringNamespace: "prometheus"},
	}}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			docs := renderChart(t, tc.override)
			var s statefulSet
			onlyDocument(t, docs, "StatefulSet", &s)
			var np networkPolicy
			onlyDocument(t, docs, "NetworkPolicy", &np)
			checkNetworkPolicy(t, np, s, tc.want)
			proxy := ""
			for _, e := range s.Spec.Template.Spec.Containers[0].Env {
				if e.Name == "HTTPS_PROXY" {
					proxy = e.Value
				}
			}
			if proxy != tc.wantProxy {
				t.Errorf("HTTPS_PROXY = %q, want %q", proxy, tc.wantProxy)
			}
		})
	}
}

func TestChartNetworkPolicyCanBeLeftToTheCluster(t *testing.T) {
	docs := renderChart(t, map[string]any{"networkPolicy": map[string]any{"enabled": false}})
	if n := len(docs["NetworkPolicy"]); n != 0 {
		t.Errorf("networkPolicy.enabled=false still renders %d NetworkPolicy", n)
	}
}
