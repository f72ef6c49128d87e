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
//
// A task may belong to a lane (in MSP mode, the customer tenant it is
// for): one lane never holds more than half the workers, so a tenant whose
// Graph hangs with many requests in flight leaves the others workers to
// run on.
type workers struct {
	max     int
	laneMax int // most workers one lane may hold

	mu      sync.Mutex
	running int            // goroutines running tasks
	lanes   map[string]int // tasks running, by lane ("" is no lane and has no limit)
	queue   []task         // tasks waiting for a worker
	pending sync.WaitGroup // tasks submitted and neither finished nor dropped
}

// task is a queued piece of background work and its lane.
type task struct {
	lane string
	f    func(context.Context)
}

func newWorkers(n int) *workers {
	if n <= 0 {
		n = DefaultWorkers()
	}
	return &workers{max: n, laneMax: max(1, n/2), lanes: map[string]int{}}
}

// submit runs f with ctx on a free worker, or queues it. It reports whether
// f was queued and, if so, how many queued tasks are ahead of it.
func (w *workers) submit(ctx context.Context, lane string, f func(context.Context)) (queued bool, ahead int) {
	w.mu.Lock()
	defer w.mu.Unlock()
	w.pending.Add(1)
	if w.running < w.max && w.laneFree(lane) {
		w.start(ctx, task{lane, f})
		return false, 0
	}
	w.queue = append(w.queue, task{lane, f})
	return true, len(w.queue) - 1
}

// laneFree reports whether lane may take one more worker; w.mu held.
func (w *workers) laneFree(lane string) bool { return lane == "" || w.lanes[lane] < w.laneMax }

// start runs t on a new worker; w.mu held.
func (w *workers) start(ctx context.Context, t task) {
	w.running++
	w.lanes[t.lane]++
	go w.run(ctx, t)
}

// run runs t, then queued tasks until none may run.
func (w *workers) run(ctx context.Context, t task) {
	for ok := true; ok; {
		t.f(ctx)
		w.pending.Done()
		t, ok = w.next(ctx, t.lane)
	}
}

// next frees the calling worker of a task of lane done and takes the oldest
// queued task that may run, or retires the worker when none may. Tasks a
// full lane held back that may run now get workers of their own while
// there are free ones.
func (w *workers) next(ctx context.Context, done string) (task, bool) {
	w.mu.Lock()
	defer w.mu.Unlock()
	w.lanes[done]--
	if w.lanes[done] == 0 {
		delete(w.lanes, done)
	}
	w.running--
	t, ok := w.take()
	if ok {
		w.running++
		w.lanes[t.lane]++
	}
	for w.running < w.max {
		more, found := w.take()
		if !found {
			break
		}
		w.start(ctx, more)
	}
	return t, ok
}

// take removes and returns the oldest queued task whose lane may run;
// w.mu held.
func (w *workers) take() (task, bool) {
	for i, t := range w.queue {
		if w.laneFree(t.lane) {
			w.queue = append(w.queue[:i:i], w.queue[i+1:]...)
			return t, true
		}
	}
	return task{}, false
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
