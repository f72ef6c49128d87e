package bench

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/tapbot/tapbot/bot/slack/slacktest"
	"github.com/tapbot/tapbot/graphclient/graphtest"
)

// The workspace and tenant the bench sets up. None of these is a real
// secret: they only open the stand-ins.
const (
	approvalChannel = "CBENCHAPPR"
	helpdeskChannel = "CBENCHDESK"
	botToken        = "xoxb-bench-token"
	signingSecret   = "bench-signing-secret"
	tenantID        = "bench-tenant"
	clientID        = "tapbot-bench"
	clientSecret    = "bench-client-secret"
	auditKey        = "bench-audit-key-0123456789abcdefghij" // the audit chain is keyed, as in production
	targetDomain    = "contoso.com"
)

// The technicians: flows take turns among them, as a helpdesk would.
var (
	requesters = []string{"UBREQ0001", "UBREQ0002", "UBREQ0003", "UBREQ0004", "UBREQ0005", "UBREQ0006", "UBREQ0007", "UBREQ0008"}
	approvers  = []string{"UBAPP0001", "UBAPP0002", "UBAPP0003", "UBAPP0004"}
)

// stand is one set of stand-ins: a fake Slack and a fake Graph with the
// bench's people, and the directory the tapbot under test keeps its
// database and CA file in.
type stand struct {
	graph *graphtest.Server
	slack *slacktest.Server
	dir   string
}

// newStand starts the fakes with targets users able to receive a pass
// (target(0) … target(targets-1)); the fake Graph offers HTTP/2 if http2.
func newStand(targets int, http2 bool) (*stand, error) {
	dir, err := os.MkdirTemp("", "tapbot-bench-")
	if err != nil {
		return nil, fmt.Errorf("make a directory for the bench's database: %w", err)
	}
	graph := graphtest.NewServer() // offers HTTP/2, as Microsoft Graph does
	if !http2 {
		graph = graphtest.NewHTTP1Server()
	}
	st := &stand{graph: graph, slack: slacktest.NewServer(botToken), dir: dir}
	for i := range targets {
		upn := target(i)
		st.graph.AddUser(graphtest.User{
			ID: fmt.Sprintf("00000000-0000-4000-8000-%012d", i), UPN: upn, DisplayName: "Bench user " + fmt.Sprint(i),
			AccountEnabled: true, Mail: upn, JobTitle: "Clerk",
		})
	}
	for _, id := range append(append([]string(nil), requesters...), approvers...) {
		name := strings.ToLower(id)
		st.slack.AddUser(slacktest.User{ID: id, Name: name, RealName: id, Email: name + "@msp.example"})
	}
	st.slack.AddChannel(approvalChannel, "tap-approvals", true)
	st.slack.AddChannel(helpdeskChannel, "helpdesk", true)
	if err := os.WriteFile(st.caFile(), st.graph.CertPEM(), 0o600); err != nil {
		st.close()
		return nil, fmt.Errorf("write the fake Graph's certificate: %w", err)
	}
	return st, nil
}

// target is the UPN of the i-th user a pass is asked for.
func target(i int) string { return fmt.Sprintf("bench-user-%06d@%s", i, targetDomain) }

func (st *stand) caFile() string { return filepath.Join(st.dir, "graph-ca.pem") }

// setLatency makes every Graph and every Slack call take that long.
func (st *stand) setLatency(graph, slack time.Duration) {
	st.graph.SetLatency(graph)
	st.slack.SetLatency(slack)
}

// env is the environment of a tapbot serve that uses the stand-ins: live
// Graph mode against the fake (its certificate trusted through
// SSL_CERT_FILE, as an operator's own CA would be), Slack over HTTP; its
// store is the PostgreSQL database at dbURL, or a bbolt file when dbURL is
// empty.
func (st *stand) env(dbURL string) []string {
	vars := map[string]string{
		"TAPBOT_LISTEN": "127.0.0.1:0", "TAPBOT_METRICS_LISTEN": "off", "TAPBOT_DB": filepath.Join(st.dir, "tapbot.db"),
		"TAPBOT_LOG_FORMAT": "text", "TAPBOT_LOG_LEVEL": "info", "TAPBOT_SHUTDOWN_TIMEOUT": "5s", "TAPBOT_AUDIT_KEY": auditKey,
		// The figures of issue 13 are of the pass sent at approval; with Show
		// pass the same path starts at the requester's click instead.
		"TAPBOT_DELIVERY":   "immediate",
		"TAPBOT_REQUESTERS": strings.Join(requesters, ","), "TAPBOT_APPROVERS": strings.Join(approvers, ","),
		"SLACK_BOT_TOKEN": botToken, "SLACK_SIGNING_SECRET": signingSecret, "SLACK_APPROVAL_CHANNEL": approvalChannel,
		"SLACK_API_URL":   st.slack.APIURL(),
		"AZURE_TENANT_ID": tenantID, "AZURE_CLIENT_ID": clientID, "AZURE_CLIENT_SECRET": clientSecret,
		"TAPBOT_GRAPH_URL": st.graph.GraphURL(), "TAPBOT_AUTHORITY_HOST": st.graph.AuthorityHost(), "SSL_CERT_FILE": st.caFile(),
	}
	if dbURL != "" {
		delete(vars, "TAPBOT_DB")
		vars["TAPBOT_DATABASE_URL"] = dbURL
	}
	out := make([]string, 0, len(vars))
	for k, v := range vars {
		out = append(out, k+"="+v)
	}
	return out
}

// close stops the fakes and removes the directory.
func (st *stand) close() {
	st.graph.Close()
	st.slack.Close()
	_ = os.RemoveAll(st.dir)
}
