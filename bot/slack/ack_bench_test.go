package slack

import (
	"net/http"
	"net/http/httptest"
	"net/url"
	"strconv"
	"strings"
	"testing"
	"time"
)

// BenchmarkCommandAck is the CPU of acknowledging one /tap request: the
// signature and replay checks, parsing, queueing the raise and the
// ephemeral answer. The raise itself runs afterwards, on the workers.
func BenchmarkCommandAck(b *testing.B) {
	bt := fuzzBot(b)
	h := bt.Handler()
	now := time.Now().Unix()
	b.ReportAllocs()
	for i := 0; b.Loop(); i++ {
		body := url.Values{"command": {"/tap"}, "user_id": {"U1"}, "user_name": {"ann"}, "channel_id": {"C1"},
			"text":         {"alice@contoso.com 1h once bench flow " + strconv.Itoa(i) + ", INC-000001"},
			"response_url": {"http://127.0.0.1:1/resp"}, "trigger_id": {"t" + strconv.Itoa(i)}}.Encode()
		req := httptest.NewRequest(http.MethodPost, "/slack/commands", strings.NewReader(body))
		req.Header.Set("X-Slack-Request-Timestamp", strconv.FormatInt(now, 10))
		req.Header.Set("X-Slack-Signature", sign([]byte(body), now))
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, req)
		if rec.Code != http.StatusOK || !strings.Contains(rec.Body.String(), "ephemeral") {
			b.Fatalf("ack: %d %s", rec.Code, rec.Body)
		}
	}
}

func BenchmarkCommandAckTCP(b *testing.B) {
	for _, keep := range []bool{true, false} {
		b.Run("keepalive="+strconv.FormatBool(keep), func(b *testing.B) {
			bt := fuzzBot(b)
			srv := httptest.NewServer(bt.Handler())
			defer srv.Close()
			c := &http.Client{Transport: &http.Transport{DisableKeepAlives: !keep}}
			now := time.Now().Unix()
			for i := 0; b.Loop(); i++ {
				body := url.Values{"command": {"/tap"}, "user_id": {"U1"}, "user_name": {"ann"}, "channel_id": {"C1"},
					"text":         {"alice@contoso.com 1h once bench flow " + strconv.Itoa(i) + ", INC-000001"},
					"response_url": {"http://127.0.0.1:1/resp"}, "trigger_id": {"t" + strconv.Itoa(i)}}.Encode()
				req, _ := http.NewRequest(http.MethodPost, srv.URL+"/slack/commands", strings.NewReader(body))
				req.Header.Set("X-Slack-Request-Timestamp", strconv.FormatInt(now, 10))
				req.Header.Set("X-Slack-Signature", sign([]byte(body), now))
				resp, err := c.Do(req)
				if err != nil {
					b.Fatal(err)
				}
				resp.Body.Close()
			}
		})
	}
}
