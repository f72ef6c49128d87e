package recorded

import (
	"context"
	"strings"
	"sync"
	"testing"
	"time"
)

func TestWaitForReturnsEachMatchOnceToConcurrentWaiters(t *testing.T) {
	l := New[int]("a number")
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	var wg sync.WaitGroup
	got := make(chan int, 10)
	for range 10 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			n, err := l.WaitFor(ctx, func(n int) bool { return n%2 == 0 })
			if err != nil {
				t.Error(err)
			}
			got <- n
		}()
	}
	for i := range 20 {
		l.Add(i)
	}
	wg.Wait()
	close(got)
	seen := map[int]bool{}
	for n := range got {
		if seen[n] || n%2 != 0 {
			t.Fatalf("%d returned twice or does not match", n)
		}
		seen[n] = true
	}
	if len(l.All()) != 20 {
		t.Fatal("All lost items")
	}
}

func TestWaitForGivesUpWhenTheContextEnds(t *testing.T) {
	l := New[string]("a Slack message")
	l.Add("skipped")
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	_, err := l.WaitFor(ctx, func(s string) bool { return s == "never" })
	if err == nil || !strings.Contains(err.Error(), "a Slack message (1 others passed over)") {
		t.Fatalf("err = %v", err)
	}
}

func TestNoteUnescapesJSONStrings(t *testing.T) {
	l := New[int]("x")
	l.Note(`{"text":"A\u0026B","nested":[{"k":"secret\u003cx\u003e"}]}`)
	if txt := l.Text(); !strings.Contains(txt, "A&B") || !strings.Contains(txt, "secret<x>") {
		t.Fatalf("text = %q", txt)
	}
}

func TestTakeFindsEarlierItemsAndNeverReturnsOneTwice(t *testing.T) {
	l := New[string]("a message")
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	l.Add("card")
	l.Add("notice")
	if got, _ := l.Take(ctx, func(s string) bool { return s == "notice" }); got != "notice" {
		t.Fatalf("got %q", got)
	}
	// "card" came first but was not taken: it is still there.
	if got, _ := l.Take(ctx, func(s string) bool { return s == "card" }); got != "card" {
		t.Fatalf("got %q", got)
	}
	go l.Add("card")
	if got, err := l.Take(ctx, func(s string) bool { return s == "card" }); err != nil || got != "card" {
		t.Fatalf("a second card: %q %v", got, err)
	}
	short, stop := context.WithCancel(ctx)
	stop()
	if _, err := l.Take(short, func(s string) bool { return s == "card" }); err == nil {
		t.Fatal("a taken item was returned again")
	}
}

func TestWatchSeesEveryItemAddedAfterItInOrder(t *testing.T) {
	l := New[int]("a number")
	l.Add(0)
	var seen []int
	l.Watch(func(n int) { seen = append(seen, n) })
	for i := 1; i <= 3; i++ {
		l.Add(i)
	}
	if len(seen) != 3 || seen[0] != 1 || seen[2] != 3 {
		t.Fatalf("watcher saw %v, want [1 2 3]", seen)
	}
}
