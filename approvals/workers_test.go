package approvals

import (
	"context"
	"testing"
	"time"
)

// blocker is a background task that says when it started and waits for
// its release or its context.
type blocker struct {
	started, release chan struct{}
	sawCancel        chan bool
}

func newBlocker() *blocker {
	return &blocker{started: make(chan struct{}), release: make(chan struct{}), sawCancel: make(chan bool, 1)}
}

func (b *blocker) run(ctx context.Context) {
	close(b.started)
	select {
	case <-b.release:
		b.sawCancel <- false
	case <-ctx.Done():
		b.sawCancel <- true
	}
}

func waitClosed(t *testing.T, ch <-chan struct{}, what string) {
	t.Helper()
	select {
	case <-ch:
	case <-time.After(10 * time.Second):
		t.Fatalf("%s never happened", what)
	}
}

func newWorkerService(t *testing.T, workers int) *Service {
	t.Helper()
	h := newHarness(t, nil)
	svc := NewService(Config{Store: h.store, Tenant: h.tenant, TenantID: "contoso", Policy: h.svc.Policy(),
		Notifiers: map[string]Notifier{"slack": h.chat}, Workers: workers})
	t.Cleanup(func() { _ = svc.Shutdown(context.Background()) })
	return svc
}

func TestTasksBeyondTheWorkersWaitInOrderAndSayHowManyAreAhead(t *testing.T) {
	svc := newWorkerService(t, 1)
	busy := newBlocker()
	if queued, _ := svc.Go(busy.run); queued {
		t.Fatal("the first task was queued with a worker free")
	}
	waitClosed(t, busy.started, "the first task's start")
	order := make(chan int, 3)
	for i := range 3 {
		queued, ahead := svc.Go(func(context.Context) { order <- i })
		if !queued || ahead != i {
			t.Fatalf("task %d: queued %v with %d ahead, want queued with %d ahead", i, queued, ahead, i)
		}
	}
	close(busy.release)
	for want := range 3 {
		select {
		case got := <-order:
			if got != want {
				t.Fatalf("queued task %d ran when %d was due", got, want)
			}
		case <-time.After(10 * time.Second):
			t.Fatalf("queued task %d never ran", want)
		}
	}
}

func TestWorkersRunTasksSideBySideUpToTheirNumber(t *testing.T) {
	svc := newWorkerService(t, 3)
	var tasks []*blocker
	for range 3 {
		b := newBlocker()
		tasks = append(tasks, b)
		if queued, _ := svc.Go(b.run); queued {
			t.Fatal("a task was queued while a worker was free")
		}
	}
	for _, b := range tasks {
		waitClosed(t, b.started, "a task's start") // all three at once
	}
	if queued, ahead := svc.Go(func(context.Context) {}); !queued || ahead != 0 {
		t.Fatalf("a fourth task: queued %v with %d ahead, want queued first in line", queued, ahead)
	}
	for _, b := range tasks {
		close(b.release)
	}
	if err := svc.Shutdown(context.Background()); err != nil {
		t.Fatal(err)
	}
}

func TestWaitingTasksKeepNoWorker(t *testing.T) {
	svc := newWorkerService(t, 1)
	timer := newBlocker()
	svc.GoWaiting(timer.run)
	waitClosed(t, timer.started, "the waiting task's start")
	ran := make(chan struct{})
	if queued, _ := svc.Go(func(context.Context) { close(ran) }); queued {
		t.Fatal("a task was queued behind a task that only waits")
	}
	waitClosed(t, ran, "the task beside the waiting one")
	close(timer.release)
}

func TestShutdownPastItsDeadlineCancelsRunningTasksAndDropsQueuedOnes(t *testing.T) {
	svc := newWorkerService(t, 1)
	running, waiting := newBlocker(), newBlocker()
	svc.Go(running.run)
	svc.GoWaiting(waiting.run)
	waitClosed(t, running.started, "the running task's start")
	dropped := true
	svc.Go(func(context.Context) { dropped = false })
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if err := svc.Shutdown(ctx); err == nil {
		t.Fatal("Shutdown past its deadline returned nil")
	}
	if !<-running.sawCancel || !<-waiting.sawCancel {
		t.Fatal("a task in flight did not see its context end")
	}
	if !dropped {
		t.Fatal("a queued task ran after the shutdown deadline")
	}
}

func TestShutdownWaitsForQueuedTasks(t *testing.T) {
	svc := newWorkerService(t, 1)
	busy := newBlocker()
	svc.Go(busy.run)
	waitClosed(t, busy.started, "the first task's start")
	ran := false
	svc.Go(func(context.Context) { ran = true })
	close(busy.release)
	if err := svc.Shutdown(context.Background()); err != nil {
		t.Fatal(err)
	}
	if !ran {
		t.Fatal("Shutdown returned before the queued task ran")
	}
}

func TestOneLaneNeverHoldsMoreThanHalfTheWorkers(t *testing.T) {
	w := newWorkers(4)
	ctx := context.Background()
	var held []*blocker
	for range 5 { // a tenant whose Graph hangs: five requests at once
		b := newBlocker()
		held = append(held, b)
		w.submit(ctx, "fabrikam", b.run)
	}
	waitClosed(t, held[0].started, "fabrikam's first task")
	waitClosed(t, held[1].started, "fabrikam's second task")
	other := newBlocker()
	if queued, _ := w.submit(ctx, "contoso", other.run); queued {
		t.Fatal("contoso's task waits behind fabrikam's, though two workers are free")
	}
	waitClosed(t, other.started, "contoso's task")
	plain := newBlocker()
	if queued, _ := w.submit(ctx, "", plain.run); queued {
		t.Fatal("a task of no lane waits though a worker is free")
	}
	waitClosed(t, plain.started, "the task of no lane")
	select {
	case <-held[2].started:
		t.Fatal("fabrikam holds more than half the workers")
	default:
	}
	close(held[0].release) // fabrikam's next task takes its place, and no more
	waitClosed(t, held[2].started, "fabrikam's third task")
	for _, b := range append(held[1:], other, plain) {
		close(b.release)
	}
	w.wait()
}
