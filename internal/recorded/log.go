// Package recorded is the memory of tapbot's fake services (slacktest,
// teamstest): what the bot made each of them show, in order, for tests to
// wait on like a conversation, and everything the bot sent them, for scans
// that prove no pass or secret leaked.
package recorded

import (
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"sync"
)

// Log keeps items of type T in the order a fake accepted them, with a read
// cursor for Next and WaitFor, and the text of every request received. It
// is safe for concurrent use and holds no lock while a predicate runs, so a
// predicate may call back into the fake.
type Log[T any] struct {
	what string // "a Slack message", for errors

	mu     sync.Mutex
	items  []T
	cursor int
	signal chan struct{} // closed and replaced when an item is added
	taken  map[int]bool  // items Take returned
	text   strings.Builder
	watch  []func(T) // called by Add (Watch)
}

// New returns an empty log; what names one item in errors.
func New[T any](what string) *Log[T] {
	return &Log[T]{what: what, signal: make(chan struct{}), taken: map[int]bool{}}
}

// Add appends item, hands it to every watcher and wakes every waiter.
func (l *Log[T]) Add(item T) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.items = append(l.items, item)
	for _, fn := range l.watch {
		fn(item)
	}
	close(l.signal)
	l.signal = make(chan struct{})
}

// Watch makes Add call fn with every item added from now on, in order. It
// is for a caller that follows thousands of items at once, where a waiter
// per item would rescan the log at every addition. fn runs while the log
// (and the fake that adds to it) holds its lock: it must return quickly and
// must not call back into either.
func (l *Log[T]) Watch(fn func(T)) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.watch = append(l.watch, fn)
}

// All returns every item so far, in order.
func (l *Log[T]) All() []T {
	l.mu.Lock()
	defer l.mu.Unlock()
	return slices.Clone(l.items)
}

// Next returns the oldest item not yet returned by Next or WaitFor, waiting
// for one to arrive. It returns an error when ctx ends first.
func (l *Log[T]) Next(ctx context.Context) (T, error) {
	return l.WaitFor(ctx, func(T) bool { return true })
}

// WaitFor returns the oldest item not yet returned by Next or WaitFor that
// pred accepts, waiting for one to arrive. The items it passes over are not
// returned by later calls but stay in All. It returns an error when ctx ends
// first.
func (l *Log[T]) WaitFor(ctx context.Context, pred func(T) bool) (T, error) {
	skipped := 0
	for {
		l.mu.Lock()
		start, pending, signal := l.cursor, slices.Clone(l.items[l.cursor:]), l.signal
		l.mu.Unlock()

		match := slices.IndexFunc(pending, pred)
		end := start + len(pending)
		if match >= 0 {
			end = start + match + 1
		}
		if !l.claim(start, end) {
			continue // another waiter moved the cursor; look again
		}
		if match >= 0 {
			return pending[match], nil
		}
		skipped += len(pending)
		select {
		case <-signal:
		case <-ctx.Done():
			var zero T
			return zero, fmt.Errorf("wait for %s (%d others passed over): %w", l.what, skipped, ctx.Err())
		}
	}
}

// Take returns the first item pred accepts that Take has not returned
// before, waiting for one to arrive. Unlike WaitFor it passes over nothing
// for good, so tests can wait for things a bot does in the background in
// whatever order they happen. It returns an error when ctx ends first.
func (l *Log[T]) Take(ctx context.Context, pred func(T) bool) (T, error) {
	for {
		l.mu.Lock()
		items, signal := slices.Clone(l.items), l.signal
		taken := make([]bool, len(items))
		for i := range items {
			taken[i] = l.taken[i]
		}
		l.mu.Unlock()

		for i, it := range items {
			if taken[i] || !pred(it) {
				continue
			}
			if l.mark(i) {
				return it, nil
			}
		}
		select {
		case <-signal:
		case <-ctx.Done():
			var zero T
			return zero, fmt.Errorf("wait for %s (%d seen, none matched): %w", l.what, len(items), ctx.Err())
		}
	}
}

// mark records that Take returned item i, unless another Take already did.
func (l *Log[T]) mark(i int) bool {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.taken[i] {
		return false
	}
	l.taken[i] = true
	return true
}

// claim moves the cursor from start to end unless another waiter moved it
// since start was read.
func (l *Log[T]) claim(start, end int) bool {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.cursor != start {
		return false
	}
	l.cursor = end
	return true
}

// Note adds s to the text of everything received and, when s is JSON, each
// string inside it unescaped, so that a secret a JSON encoder escaped
// (\u0026 for &) is still found.
func (l *Log[T]) Note(s string) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.text.WriteString(s)
	l.text.WriteByte('\n')
	for _, str := range JSONStrings([]byte(s)) {
		l.text.WriteString(str)
		l.text.WriteByte('\n')
	}
}

// Text returns everything noted so far.
func (l *Log[T]) Text() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.text.String()
}

// JSONStrings returns every key and string value inside the JSON document
// b, unescaped; nothing when b is not JSON.
func JSONStrings(b []byte) []string {
	var v any
	if json.Unmarshal(b, &v) != nil {
		return nil
	}
	var out []string
	walk(v, func(s string) { out = append(out, s) })
	return out
}

func walk(v any, visit func(string)) {
	switch v := v.(type) {
	case string:
		visit(v)
	case []any:
		for _, e := range v {
			walk(e, visit)
		}
	case map[string]any:
		for k, e := range v {
			visit(k)
			walk(e, visit)
		}
	}
}
