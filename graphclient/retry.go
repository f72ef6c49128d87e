package graphclient

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"math/rand/v2"
	"net/http"
	"strconv"
	"time"

	khttp "github.com/microsoft/kiota-http-go"
)

// retryHandler is the Graph pipeline's retry step. It replaces kiota's
// RetryHandler, which retries only 429/503/504, waits as long as
// Retry-After says (up to three minutes) and backs off from 3 seconds:
// tapbot answers people in a chat, so every wait here is bounded by
// MaxRetryWait and by the call's deadline.
type retryHandler struct {
	maxRetries int
	baseDelay  time.Duration
	maxWait    time.Duration
}

// retriable reports whether Graph may answer differently if asked again.
// Repeating a POST is safe for tapbot: a new pass replaces the old one, and
// when the last attempt fails CreatePass deletes whatever an earlier one may
// have created.
func retriable(status int) bool {
	switch status {
	case http.StatusTooManyRequests, http.StatusInternalServerError, http.StatusBadGateway,
		http.StatusServiceUnavailable, http.StatusGatewayTimeout:
		return true
	}
	return false
}

// Intercept sends the request and repeats it while Graph answers with a
// retriable status, retries remain, and the wait fits in the deadline. It
// returns the last response, which the SDK turns into an error. Each
// attempt is a fresh copy of the request with its own body, so nothing is
// shared with a transport that may still hold the previous attempt.
func (h retryHandler) Intercept(p khttp.Pipeline, i int, req *http.Request) (*http.Response, error) {
	body, err := readBody(req)
	if err != nil {
		return nil, err
	}
	for attempt := 0; ; attempt++ {
		resp, err := p.Next(withBody(req, body, attempt), i)
		if err != nil || !retriable(resp.StatusCode) || attempt >= h.maxRetries {
			return resp, err
		}
		wait := h.delay(resp, attempt)
		if !fitsDeadline(req.Context(), wait) {
			return resp, nil
		}
		drain(resp)
		if err := sleep(req.Context(), wait); err != nil {
			return nil, err
		}
	}
}

// readBody takes the request body into memory; Graph request bodies are a
// few hundred bytes.
func readBody(req *http.Request) ([]byte, error) {
	if req.Body == nil || req.Body == http.NoBody {
		return nil, nil
	}
	defer req.Body.Close()
	b, err := io.ReadAll(io.LimitReader(req.Body, 1<<20))
	if err != nil {
		return nil, fmt.Errorf("read request body: %w", err)
	}
	return b, nil
}

// withBody returns a copy of req carrying body, marked with the attempt
// number as Graph's own SDKs do.
func withBody(req *http.Request, body []byte, attempt int) *http.Request {
	r := req.Clone(req.Context())
	if body != nil {
		r.Body = io.NopCloser(bytes.NewReader(body))
		r.ContentLength = int64(len(body))
		r.GetBody = func() (io.ReadCloser, error) { return io.NopCloser(bytes.NewReader(body)), nil }
	}
	if attempt > 0 {
		r.Header.Set("Retry-Attempt", strconv.Itoa(attempt))
	}
	return r
}

// delay is Retry-After when Graph sent it, else exponential backoff with
// a little jitter; never more than maxWait.
func (h retryHandler) delay(resp *http.Response, attempt int) time.Duration {
	d, ok := retryAfter(resp.Header.Get("Retry-After"))
	if !ok {
		d = h.baseDelay << attempt
		d += time.Duration(rand.Int64N(int64(d)/5 + 1))
	}
	return min(max(d, 0), h.maxWait)
}

// retryAfter parses Retry-After as seconds or as an HTTP date.
func retryAfter(v string) (time.Duration, bool) {
	if v == "" {
		return 0, false
	}
	if secs, err := strconv.Atoi(v); err == nil {
		return time.Duration(secs) * time.Second, true
	}
	if t, err := http.ParseTime(v); err == nil {
		return time.Until(t), true
	}
	return 0, false
}

// fitsDeadline reports whether waiting d still leaves time before ctx ends;
// waiting past the deadline would only turn a clear answer into a timeout.
func fitsDeadline(ctx context.Context, d time.Duration) bool {
	deadline, ok := ctx.Deadline()
	return !ok || time.Until(deadline) > d
}

// drain reads and closes a response that will not be returned, so its
// connection can be reused.
func drain(resp *http.Response) {
	_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, 64<<10))
	_ = resp.Body.Close()
}

func sleep(ctx context.Context, d time.Duration) error {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}
