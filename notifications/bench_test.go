package notifications

import (
	"context"
	"fmt"
	"runtime"
	"testing"
	"time"

	"github.com/rs/zerolog"

	"github.com/custodyhq/custody/domain"
	"github.com/custodyhq/custody/notifications/fcm"
	"github.com/custodyhq/custody/notifications/fcm/fcmtest"
	"github.com/custodyhq/custody/store/sqlite"
)

// BenchmarkDispatch dispatches n queued alerts (one push each, to n devices) through the local
// FCM server, on the SQLite store, with the default batch size. It reports throughput and, to
// show that memory stays flat as the queue grows, the peak live heap sampled after each batch
// and the bytes and allocations per push (the FCM server runs in the same process and is
// counted too). Run with -benchtime=1x.
func BenchmarkDispatch(b *testing.B) {
	for _, n := range []int{1_000, 10_000} {
		b.Run(fmt.Sprintf("alerts=%d", n), func(b *testing.B) { benchDispatch(b, n) })
	}
}

func benchDispatch(b *testing.B, n int) {
	ctx := context.Background()
	for range b.N {
		b.StopTimer()
		st, err := sqlite.Open(ctx, b.TempDir())
		if err != nil {
			b.Fatal(err)
		}
		srv := fcmtest.NewServer("bench")
		srv.KeepMessages(false)
		sender, err := fcm.New(ctx, fcm.Config{ProjectID: "bench", Endpoint: srv.URL})
		if err != nil {
			b.Fatal(err)
		}
		s := New(st, sender, nil, Options{ID: "bench", Logger: zerolog.Nop()})
		at := time.Now().UTC()
		for i := range n {
			a := &domain.Alert{ID: fmt.Sprintf("alert-%06d", i), UserID: fmt.Sprintf("user-%d", i%50), Kind: domain.AlertLowStock,
				Severity: domain.SeverityWarning, Title: "Low stock: Nitrile gloves", Body: "5 left at Cabinet 3 (minimum 10)",
				Entity: "stock", EntityID: "p@l", Data: map[string]string{"product_id": "p", "location_id": "l"}, CreatedAt: at}
			d := &domain.PushDelivery{ID: a.ID + "-d", AlertID: a.ID, UserID: a.UserID, DeviceID: fmt.Sprintf("dev-%d", i),
				Token: fmt.Sprintf("tok-%d", i), Kind: a.Kind, Title: a.Title, Body: a.Body, Data: a.Data, CollapseKey: "low_stock-x",
				NextAttemptAt: at, CreatedAt: at}
			if _, err := st.EnqueueAlert(ctx, a, []*domain.PushDelivery{d}); err != nil {
				b.Fatal(err)
			}
		}
		runtime.GC()
		var before, after, sample runtime.MemStats
		runtime.ReadMemStats(&before)
		peak := before.HeapAlloc
		b.StartTimer()
		start := time.Now()
		for {
			more, err := s.dispatchPush(ctx)
			if err != nil {
				b.Fatal(err)
			}
			runtime.ReadMemStats(&sample)
			peak = max(peak, sample.HeapAlloc)
			if !more {
				break
			}
		}
		elapsed := time.Since(start)
		b.StopTimer()
		runtime.ReadMemStats(&after)
		if got := srv.Count(); got != n {
			b.Fatalf("the FCM server accepted %d pushes, want %d", got, n)
		}
		b.ReportMetric(float64(n)/elapsed.Seconds(), "pushes/s")
		b.ReportMetric(float64(peak)/(1<<20), "peak-heap-MiB")
		b.ReportMetric(float64(after.TotalAlloc-before.TotalAlloc)/float64(n), "B/push")
		b.ReportMetric(float64(after.Mallocs-before.Mallocs)/float64(n), "allocs/push")
		srv.Close()
		_ = st.Close()
	}
}
