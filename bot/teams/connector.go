package teams

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"path"
	"time"

	"github.com/infracloudio/msbotbuilder-go/connector/client"
	"github.com/infracloudio/msbotbuilder-go/schema"
)

// ConnectorError is a refusal of the Bot Connector service, with its HTTP
// status and its own error code and message ("Forbidden", "Bot is not
// installed in user's personal scope").
type ConnectorError struct {
	Status  int
	Code    string
	Message string
}

func (e *ConnectorError) Error() string {
	if e.Code == "" && e.Message == "" {
		return fmt.Sprintf("Bot Connector answered HTTP %d", e.Status)
	}
	return fmt.Sprintf("Bot Connector answered HTTP %d %s: %s", e.Status, e.Code, e.Message)
}

// connector calls the Bot Connector service as the bot. It implements the
// msbotbuilder-go client.Client interface, so the library's adapter sends,
// updates and deletes activities through it, and adds what the library's
// ConnectorClient lacks: the id of a sent activity, opening a 1:1 chat,
// cancellation by context, errors that say what Teams answered, and the
// bot's token from tokenSource.
type connector struct {
	http   *http.Client
	tokens *tokenSource
}

var _ client.Client = (*connector)(nil)

// callTimeout bounds a call the library's adapter makes: its Client
// interface passes no context.
const callTimeout = 30 * time.Second

// Post sends activity to target for the library's adapter.
func (c *connector) Post(target url.URL, activity schema.Activity) error {
	return c.callBounded(http.MethodPost, target, activity)
}

// Put replaces the activity at target for the library's adapter.
func (c *connector) Put(target url.URL, activity schema.Activity) error {
	return c.callBounded(http.MethodPut, target, activity)
}

// Delete deletes the activity at target for the library's adapter.
func (c *connector) Delete(target url.URL, _ schema.Activity) error {
	return c.callBounded(http.MethodDelete, target, nil)
}

func (c *connector) callBounded(method string, target url.URL, payload any) error {
	ctx, cancel := context.WithTimeout(context.Background(), callTimeout)
	defer cancel()
	_, err := c.call(ctx, method, target.String(), payload)
	return err
}

// send posts a new activity to the conversation of ref and returns the id
// Teams gave it, which UpdateActivity needs later.
func (c *connector) send(ctx context.Context, ref schema.ConversationReference, a schema.Activity) (string, error) {
	target, err := endpoint(ref.ServiceURL, "v3/conversations", ref.Conversation.ID, "activities")
	if err != nil {
		return "", err
	}
	body, err := c.call(ctx, http.MethodPost, target, a)
	if err != nil {
		return "", err
	}
	var rr schema.ResourceResponse
	if err := json.Unmarshal(body, &rr); err != nil || rr.ID == "" {
		return "", fmt.Errorf("bot connector: the answer to a new message holds no activity id")
	}
	return rr.ID, nil
}

// createConversation opens (or finds) a conversation at serviceURL and
// returns its id. Teams creates a 1:1 chat only with users who have the bot
// installed; others get 403.
func (c *connector) createConversation(ctx context.Context, serviceURL string, p schema.ConversationParameters) (string, error) {
	target, err := endpoint(serviceURL, "v3/conversations")
	if err != nil {
		return "", err
	}
	body, err := c.call(ctx, http.MethodPost, target, p)
	if err != nil {
		return "", err
	}
	var cr schema.ConversationResourceResponse
	if err := json.Unmarshal(body, &cr); err != nil || cr.ID == "" {
		return "", fmt.Errorf("bot connector: the answer to a new conversation holds no id")
	}
	return cr.ID, nil
}

// call sends one authenticated request and returns the answer's body. Any
// status but 200, 201 and 202 is a *ConnectorError.
func (c *connector) call(ctx context.Context, method, target string, payload any) ([]byte, error) {
	token, err := c.tokens.get(ctx)
	if err != nil {
		return nil, err
	}
	var body io.Reader
	if payload != nil {
		b, err := json.Marshal(payload)
		if err != nil {
			return nil, fmt.Errorf("encode activity: %w", err)
		}
		body = bytes.NewReader(b)
	}
	req, err := http.NewRequestWithContext(ctx, method, target, body)
	if err != nil {
		return nil, fmt.Errorf("bot connector request %s: %w", method, err)
	}
	req.Header.Set("Authorization", "Bearer "+token)
	if payload != nil {
		req.Header.Set("Content-Type", "application/json; charset=utf-8")
	}
	resp, err := c.http.Do(req)
	if err != nil {
		return nil, fmt.Errorf("bot connector %s: %w", method, scrubURL(err))
	}
	defer resp.Body.Close()
	answer, err := io.ReadAll(io.LimitReader(resp.Body, 1<<20))
	if err != nil {
		return nil, fmt.Errorf("bot connector %s: read answer: %w", method, err)
	}
	switch resp.StatusCode {
	case http.StatusOK, http.StatusCreated, http.StatusAccepted:
		return answer, nil
	}
	return nil, connectorError(resp.StatusCode, answer)
}

// connectorError reads the Bot Connector's {"error":{"code","message"}}
// or, for 401, {"message"}.
func connectorError(status int, body []byte) error {
	var e struct {
		Error struct {
			Code    string `json:"code"`
			Message string `json:"message"`
		} `json:"error"`
		Message string `json:"message"`
	}
	_ = json.Unmarshal(body, &e)
	msg := e.Error.Message
	if msg == "" {
		msg = e.Message
	}
	return &ConnectorError{Status: status, Code: e.Error.Code, Message: msg}
}

// isNotFound reports whether err says the conversation or activity is gone.
func isNotFound(err error) bool {
	var ce *ConnectorError
	return errors.As(err, &ce) && ce.Status == http.StatusNotFound
}

// endpoint joins API path segments onto a service URL, keeping the
// service URL's own path (Teams' are regional, like /emea/).
func endpoint(serviceURL string, segments ...string) (string, error) {
	u, err := url.Parse(serviceURL)
	if err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" {
		return "", fmt.Errorf("bot connector: %q is not a service URL", serviceURL)
	}
	u.Path = path.Join(append([]string{"/", u.Path}, segments...)...)
	return u.String(), nil
}

// scrubURL drops the URL from a transport error: it is long and says
// nothing the caller does not know.
func scrubURL(err error) error {
	var ue *url.Error
	if errors.As(err, &ue) {
		return ue.Err
	}
	return err
}
