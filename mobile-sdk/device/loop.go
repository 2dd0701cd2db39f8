package device

import (
	"context"
	"time"

	"github.com/custodyhq/custody/domain"
)

// Run syncs at once, then whenever an op is queued and every interval, until ctx ends or the
// Device is closed; it returns then. A failed sync is logged and tried again at the next
// occasion (each request already retries with backoff). A sync that fails because the user
// must sign in again waits for the next op or tick like any other.
func (d *Device) Run(ctx context.Context, interval time.Duration) error {
	if interval <= 0 {
		return domain.FieldErrorf(domain.EINVALID, "interval", "must be positive")
	}
	ctx, done, err := d.enter(ctx)
	if err != nil {
		return err
	}
	defer done()
	d.run(ctx, interval)
	return nil
}

func (d *Device) run(ctx context.Context, interval time.Duration) {
	t := time.NewTicker(interval)
	defer t.Stop()
	for {
		if rep, err := d.SyncNow(ctx); err != nil && ctx.Err() == nil {
			d.log.Warn().Err(err).Msg("background sync failed")
		} else if err == nil {
			d.log.Debug().Int("applied", rep.Applied).Int("pulled", rep.Pulled).Msg("background sync")
		}
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		case <-d.kick:
		}
	}
}

// Start runs Run's loop in a goroutine until the returned stop is called or the Device is
// closed; stop waits for the goroutine to end, and so does Close.
func (d *Device) Start(interval time.Duration) (stop func(), err error) {
	if interval <= 0 {
		return nil, domain.FieldErrorf(domain.EINVALID, "interval", "must be positive")
	}
	ctx, done, err := d.enter(context.Background())
	if err != nil {
		return nil, err
	}
	ctx, cancel := context.WithCancel(ctx)
	ended := make(chan struct{})
	go func() {
		defer close(ended)
		defer done()
		d.run(ctx, interval)
	}()
	return func() {
		cancel()
		<-ended
	}, nil
}
