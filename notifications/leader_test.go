package notifications

import (
	"context"
	"errors"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/custodyhq/custody/domain"
)

// killable is a store as one process sees it; kill makes the process dead to the store: it can
// no longer renew its lease nor claim work (a crash, or a partition from the database).
type killable struct {
	Store
	dead atomic.Bool
}

var errDead = errors.New("the process is dead")

func (k *killable) AcquireLease(ctx context.Context, name, holder string, now time.Time, ttl time.Duration) (*domain.Lease, bool, error) {
	if k.dead.Load() {
		return nil, false, errDead
	}
	return k.Store.AcquireLease(ctx, name, holder, now, ttl)
}

func (k *killable) ReleaseLease(ctx context.Context, name, holder string) error {
	if k.dead.Load() {
		return errDead
	}
	return k.Store.ReleaseLease(ctx, name, holder)
}

func (k *killable) ClaimPushDeliveries(ctx context.Context, owner string, now time.Time, claimFor time.Duration, limit int) ([]*domain.PushDelivery, error) {
	if k.dead.Load() {
		return nil, errDead
	}
	return k.Store.ClaimPushDeliveries(ctx, owner, now, claimFor, limit)
}

func (k *killable) ListChanges(ctx context.Context, after int64, limit int) ([]domain.Change, error) {
	if k.dead.Load() {
		return nil, errDead
	}
	return k.Store.ListChanges(ctx, after, limit)
}

// process is one running service.
type process struct {
	svc   *Service
	st    *killable
	stop  context.CancelFunc
	ended chan struct{}
}

// start runs a service named id on the env's store with a short lease, on the real clock.
func (e *env) start(id string) *process {
	e.t.Helper()
	k := &killable{Store: e.st}
	svc := e.service(id, func(o *Options) {
		o.Now = time.Now
		o.LeaseTTL, o.PollInterval, o.ScheduleInterval = 600*time.Millisecond, 5*time.Millisecond, time.Hour
	})
	svc.st = k
	ctx, cancel := context.WithCancel(e.ctx)
	p := &process{svc: svc, st: k, stop: cancel, ended: make(chan struct{})}
	go func() {
		defer close(p.ended)
		if err := svc.Run(ctx); err != nil {
			e.t.Errorf("Run(%s) = %v", id, err)
		}
	}()
	e.t.Cleanup(func() { cancel(); <-p.ended })
	return p
}

// waitRearmed waits until the rules saw the gloves recover.
func (e *env) waitRearmed() {
	e.t.Helper()
	key := lowStockKey(domain.StockKey{ProductID: e.gloves, LocationID: e.cabinet}.String())
	eventually(e.t, "the low-stock rule re-armed", func() bool {
		st, err := e.st.GetRuleState(e.ctx, key)
		return err == nil && !st.Active
	})
}

// TestOneLeaderTakesOver runs two services on one store: one runs the dispatcher; when it dies
// the other takes over within the lease time; when it stops cleanly the next takes over at
// once; no push is sent twice.
func TestOneLeaderTakesOver(t *testing.T) {
	e := newEnv(t)
	a, b := e.start("a"), e.start("b")
	leaders := func() []*process {
		var out []*process
		for _, p := range []*process{a, b} {
			if p.svc.Leader() {
				out = append(out, p)
			}
		}
		return out
	}
	var both atomic.Bool
	watch, unwatch := context.WithCancel(context.Background())
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		for watch.Err() == nil {
			if len(leaders()) > 1 {
				both.Store(true)
			}
			time.Sleep(200 * time.Microsecond)
		}
	}()
	eventually(t, "one service leads", func() bool { return len(leaders()) == 1 })
	lead := leaders()[0]
	other := a
	if lead == a {
		other = b
	}

	e.stock("min", 10)
	e.stock("count", 3)
	eventually(t, "the first low-stock pushes arrive", func() bool { return len(e.pushes()) == 2 })

	// The leader dies without releasing its lease: the other takes over once it expires.
	died := time.Now()
	lead.st.dead.Store(true)
	eventually(t, "the other service leads", func() bool { return other.svc.Leader() })
	if took := time.Since(died); took > 2*lead.svc.opts.LeaseTTL {
		t.Errorf("takeover took %v, want within the lease time and a renewal (%v)", took, lead.svc.opts.LeaseTTL*4/3)
	}
	eventually(t, "the dead leader stopped its workers", func() bool { return !lead.svc.Leader() })
	e.stock("count", 30)
	e.waitRearmed()
	e.stock("count", 2)
	eventually(t, "the second pushes arrive", func() bool { return e.fcm.Count() == 4 })

	// The new leader stops cleanly: a third service takes over at once.
	other.stop()
	<-other.ended
	stopped := time.Now()
	c := e.start("c")
	eventually(t, "the third service leads", func() bool { return c.svc.Leader() })
	if took := time.Since(stopped); took > lead.svc.opts.LeaseTTL {
		t.Errorf("takeover after a clean stop took %v, want less than the lease time", took)
	}
	e.stock("count", 30)
	e.waitRearmed()
	e.stock("count", 1)
	eventually(t, "the third pushes arrive", func() bool { return e.fcm.Count() == 6 })
	time.Sleep(100 * time.Millisecond) // room for a duplicate to show
	unwatch()
	wg.Wait()
	e.wantPushes("after three crossings and two takeovers", map[string]int{"sup-north": 3, "sup-all": 3})
	if both.Load() {
		t.Error("two services ran the workers at the same time")
	}
}
