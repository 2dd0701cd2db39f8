package device

// Where a change the app observes came from.
const (
	// SourceLocal: an op made on this device was queued.
	SourceLocal = "local"
	// SourceServer: a pull brought the server's state of the entity, or an op the server
	// confirmed left the queue and the confirmed state now shows alone.
	SourceServer = "server"
	// SourceRejected: the server refused an op of this device; its effect is gone.
	SourceRejected = "rejected"
	// SourceResync: the local data was thrown away and is being pulled again; reload everything.
	SourceResync = "resync"
)

// Change tells the app that what it shows of an entity may have changed.
type Change struct {
	Entity string `json:"entity"` // location, product, item, user or stock; "" for SourceResync
	ID     string `json:"id"`
	Source string `json:"source"`
}

// Observe calls fn for every change until the returned stop is called. fn runs on the
// goroutine that made the change (a sync, or the call that queued an op), after the change is
// on disk; it must return quickly and must not call SyncNow.
func (d *Device) Observe(fn func(Change)) (stop func()) {
	d.obsMu.Lock()
	defer d.obsMu.Unlock()
	id := d.nextObs
	d.nextObs++
	d.observers[id] = fn
	return func() {
		d.obsMu.Lock()
		defer d.obsMu.Unlock()
		delete(d.observers, id)
	}
}

func (d *Device) notify(changes ...Change) {
	if len(changes) == 0 {
		return
	}
	d.obsMu.Lock()
	fns := make([]func(Change), 0, len(d.observers))
	for _, fn := range d.observers {
		fns = append(fns, fn)
	}
	d.obsMu.Unlock()
	for _, c := range changes {
		for _, fn := range fns {
			fn(c)
		}
	}
}
