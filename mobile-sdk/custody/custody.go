// Package custody is the gomobile-bindable face of the Custody mobile SDK: what an Android or
// iOS app calls. It wraps package device with types gobind can carry — strings, numbers,
// bools, errors, pointers to structs of those, and interfaces of such methods for callbacks.
// Entities and lists cross as JSON strings in the shapes of the REST API.
//
// Build with: gomobile bind -target=android ./mobile-sdk/custody (or -target=ios).
package custody

import (
	"context"
	"encoding/json"
	"net/http"
	"sync"
	"time"

	"github.com/rs/zerolog"

	"github.com/custodyhq/custody/domain"
	"github.com/custodyhq/custody/mobile-sdk/device"
)

// Listener is how the SDK tells the app what happened. Its methods are called on a background
// thread and must return quickly.
type Listener interface {
	// OnChange says that what the app shows of an entity may have changed. entity is location,
	// product, item, user or stock ("" with source "resync": reload everything); source is
	// local, server, rejected or resync.
	OnChange(entity, id, source string)
	// OnRejected says that the server refused an op of this device; it left the queue.
	OnRejected(opID, opType, entityID, reason string)
	// OnConflict gives, on supervisors' devices, an open conflict not reported before, as JSON.
	OnConflict(conflictJSON string)
}

// Config is what Open needs. Make one with NewConfig and change what differs.
type Config struct {
	// ServerURL is the Custody server, such as "https://custody.example.com".
	ServerURL string
	// DataPath is the file of the local database, in the app's private storage.
	DataPath string
	// TimeoutSeconds bounds one HTTP request (default 30).
	TimeoutSeconds int
	// PageLimit is how many changes one sync request pulls (0: the server's default).
	PageLimit int
}

// NewConfig returns a Config with defaults.
func NewConfig(serverURL, dataPath string) *Config {
	return &Config{ServerURL: serverURL, DataPath: dataPath, TimeoutSeconds: 30}
}

// SDK is the app's handle on Custody. Its methods are safe to call from any thread; those that
// touch the network block, so call them off the UI thread.
type SDK struct {
	d *device.Device

	mu       sync.Mutex
	stopAuto func()
	stopObs  func()
}

// Open opens (or creates) the local database and restores the queue and clock. listener may
// be nil.
func Open(cfg *Config, listener Listener) (*SDK, error) {
	if cfg == nil {
		return nil, domain.Errorf(domain.EINVALID, "a config is required")
	}
	timeout := time.Duration(cfg.TimeoutSeconds) * time.Second
	if timeout <= 0 {
		timeout = 30 * time.Second
	}
	opts := device.Options{
		ServerURL:  cfg.ServerURL,
		Path:       cfg.DataPath,
		HTTPClient: &http.Client{Timeout: timeout},
		Logger:     zerolog.Nop(),
		PageLimit:  cfg.PageLimit,
	}
	if listener != nil {
		opts.OnRejected = func(r device.Rejection) { listener.OnRejected(r.OpID, r.Type, r.EntityID, r.Reason) }
		opts.OnConflict = func(c domain.Conflict) {
			if b, err := json.Marshal(c); err == nil {
				listener.OnConflict(string(b))
			}
		}
	}
	d, err := device.Open(opts)
	if err != nil {
		return nil, err
	}
	s := &SDK{d: d}
	if listener != nil {
		s.stopObs = d.Observe(func(c device.Change) { listener.OnChange(c.Entity, c.ID, c.Source) })
	}
	return s, nil
}

// Close stops automatic sync and any sync in flight and closes the database. The queue stays
// on disk for the next Open.
func (s *SDK) Close() error {
	s.StopAutoSync()
	if s.stopObs != nil {
		s.stopObs()
	}
	return s.d.Close()
}

// Login signs a user in (online). Another user than the last one is refused while the last
// one's ops are not synced.
func (s *SDK) Login(email, password string) error {
	return s.d.Login(context.Background(), email, password)
}

// ChangePassword changes the signed-in user's password (online; blocks) and keeps this device
// signed in; every other session of the user ends. A wrong current password fails with
// ErrorCode "forbidden" and ErrorFields naming current_password (too many wrong ones:
// "rate_limited"); a new password the server refuses (shorter than 8 characters) fails with
// "invalid" naming new_password. On failure the session is kept as it was.
func (s *SDK) ChangePassword(currentPassword, newPassword string) error {
	return s.d.ChangePassword(context.Background(), currentPassword, newPassword)
}

// Logout forgets the session; queued ops and local data stay for the same user's next login.
func (s *SDK) Logout() error { return s.d.Logout() }

// UserID returns the signed-in user's id, "" before the first login.
func (s *SDK) UserID() string { return s.d.UserID() }

// Role returns the signed-in user's role: admin, supervisor, field or picker.
func (s *SDK) Role() string { return string(s.d.Role()) }

// DeviceID returns the id this device syncs under.
func (s *SDK) DeviceID() string { return s.d.DeviceID() }

// ErrorCode returns the Custody error code of an error the SDK returned — invalid, not_found,
// forbidden, unauthorized (sign in again), conflict… — or "internal" for any other error.
func ErrorCode(err error) string { return domain.ErrorCode(err) }

// ErrorFields returns the fields an error of the SDK names, as a JSON array of {field,
// message} — such as [{"field":"new_password","message":"…"}] — and "[]" when it names none.
func ErrorFields(err error) string {
	fields := domain.ErrorFields(err)
	if fields == nil {
		fields = []domain.FieldError{}
	}
	b, _ := json.Marshal(fields)
	return string(b)
}

func toJSON(v any, err error) (string, error) {
	if err != nil {
		return "", err
	}
	b, err := json.Marshal(v)
	return string(b), err
}
