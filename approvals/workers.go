package approvals

import (
	"context"
	"runtime"
	"sync"
)

// DefaultWorkers is how many background tasks a Service runs at once when
// Config.Workers is 0: four per CPU the Go runtime may use. Most of a
// task's time is spent waiting for Graph and Slack, so a few per CPU keep
// the CPUs busy without taking them from the acknowledgements Slack and
// Teams wait for.
func DefaultWorkers() int { return 4 * runtime.GOMAXPROCS(0) }

// workers runs background tasks on at most max goroutines at a time. A task
// submitted while all of them are busy waits in a queue, first come first
// served, and starts when one is free. Goroutines exist only while there is
// work, so an idle service holds none.
type workers struct {
	max int

	mu      sync.Mutex
	running int                     // goroutines running tasks
	queue   []func(context.Context) // tasks waiting for one
	pending sync.WaitGroup          // tasks submitted and neither finished nor dropped
}

func newWorkers(n int) *workers {
	if n <= 0 {
		n = DefaultWorkers()
	}
	return &workers{max: n}
}

// submit runs f with ctx on a free worker, or queues it. It reports whether
// f was queued and, if so, how many queued tasks are ahead of it.
func (w *workers) submit(ctx context.Context, f func(context.Context)) (queued bool, ahead int) {
	w.mu.Lock()
	defer w.mu.Unlock()
	w.pending.Add(1)
	if w.running < w.max {
		w.running++
		go w.run(ctx, f)
		return false, 0
	}
	w.queue = append(w.queue, f)
	return true, len(w.queue) - 1
}

// run runs f, then queued tasks until there are none.
func (w *workers) run(ctx context.Context, f func(context.Context)) {
	for f != nil {
		f(ctx)
		w.pending.Done()
		f = w.next()
	}
}

// next takes the oldest queued task, or retires the calling worker when
// there is none.
func (w *workers) next() func(context.Context) {
	w.mu.Lock()
	defer w.mu.Unlock()
	if len(w.queue) == 0 {
		w.running--
		return nil
	}
	f := w.queue[0]
	w.queue[0] = nil // let the closure go once it has run
	w.queue = w.queue[1:]
	return f
}

// drop forgets the tasks still queued, which have not started and so have
// changed nothing, and returns how many there were.
func (w *workers) drop() int {
	w.mu.Lock()
	defer w.mu.Unlock()
	n := len(w.queue)
	w.queue = nil
	for range n {
		w.pending.Done()
	}
	return n
}

// wait returns when every task submitted has finished or been dropped.
func (w *workers) wait() { w.pending.Wait() }
