package notifications

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"strconv"
	"strings"
	"time"

	"github.com/google/uuid"

	"github.com/custodyhq/custody/domain"
)

// idSpace is the UUID namespace of the ids derived from what outbox rows carry.
var idSpace = uuid.MustParse("6b1f0c7e-3d51-4c1a-9a53-0f4de2a9c1a7")

// derivedID returns the UUID (version 5) of parts: the same parts give the same id, so that a
// row written again is recognised as the same row.
func derivedID(parts ...string) string {
	return uuid.NewSHA1(idSpace, []byte(strings.Join(parts, "|"))).String()
}

// collapseKey returns a collapse key for alerts of kind about the thing parts name, short
// enough for apns-collapse-id (64 bytes): a phone shows the latest alert per key.
func collapseKey(kind domain.AlertKind, parts ...string) string {
	sum := sha256.Sum256([]byte(strings.Join(parts, "|")))
	return string(kind) + "-" + hex.EncodeToString(sum[:12])
}

// alertSpec is one alert before it is addressed to each recipient.
type alertSpec struct {
	// key names the event: the same for every recipient and every re-run of the rule.
	key              string
	kind             domain.AlertKind
	title, body      string
	entity, entityID string
	// data carries the ids of a deep link (item or product and location ids).
	data map[string]string
	// collapse names what the collapse key groups by (a product and site, an item).
	collapse []string
	// to lists the recipients' user ids; duplicates and "" are skipped.
	to []string
}

// raise stores an alert for each recipient who has not muted its kind, with a push to each of
// their devices: at once, or at the end of their quiet hours unless the alert is critical. It
// is idempotent: raised again, it stores nothing twice.
func (s *Service) raise(ctx context.Context, sp alertSpec) error {
	now := s.now().UTC()
	critical := sp.kind.Severity() == domain.SeverityCritical
	data := map[string]string{"link": "custody://" + sp.entity + "/" + sp.entityID}
	for k, v := range sp.data {
		data[k] = v
	}
	collapse := collapseKey(sp.kind, sp.collapse...)
	seen := map[string]bool{}
	queued := false
	for _, uid := range sp.to {
		if uid == "" || seen[uid] {
			continue
		}
		seen[uid] = true
		prefs, err := s.st.GetAlertPreferences(ctx, uid)
		if err != nil {
			return err
		}
		if prefs.Mutes(sp.kind) {
			continue
		}
		a := &domain.Alert{ID: derivedID(sp.key, uid), UserID: uid, Kind: sp.kind, Severity: sp.kind.Severity(),
			Title: sp.title, Body: sp.body, Entity: sp.entity, EntityID: sp.entityID, Data: data, Key: sp.key, CreatedAt: now}
		var ds []*domain.PushDelivery
		if s.push != nil {
			tokens, err := s.st.ListDeviceTokens(ctx, uid)
			if err != nil {
				return err
			}
			due := now
			if end, quiet := s.quietUntil(prefs.QuietHours, now); quiet && !critical {
				due = end
			}
			for _, t := range tokens {
				ds = append(ds, &domain.PushDelivery{ID: derivedID(a.ID, t.Token), AlertID: a.ID, UserID: uid, DeviceID: t.DeviceID,
					Token: t.Token, Kind: sp.kind, Critical: critical, Title: sp.title, Body: sp.body, Data: data,
					CollapseKey: collapse, NextAttemptAt: due, CreatedAt: now})
			}
		}
		if _, err := s.st.EnqueueAlert(ctx, a, ds); err != nil {
			return err
		}
		queued = queued || len(ds) > 0
	}
	if queued {
		wakeUp(s.pushWake)
	}
	return nil
}

// directory answers who gets an alert about a place. It reads the users and locations it
// needs once, for the duration of one pass of a worker.
type directory struct {
	st          Register
	supervisors []*domain.User
	admins      []*domain.User
	loaded      bool
	sites       map[string]string // location id → its site's id
}

func newDirectory(st Register) *directory {
	return &directory{st: st, sites: map[string]string{}}
}

// load reads the active supervisors and admins.
func (d *directory) load(ctx context.Context) error {
	if d.loaded {
		return nil
	}
	var err error
	if d.supervisors, err = activeUsers(ctx, d.st, domain.RoleSupervisor); err != nil {
		return err
	}
	if d.admins, err = activeUsers(ctx, d.st, domain.RoleAdmin); err != nil {
		return err
	}
	d.loaded = true
	return nil
}

// activeUsers lists the users of a role that are neither disabled nor deleted.
func activeUsers(ctx context.Context, st Register, role domain.Role) ([]*domain.User, error) {
	var out []*domain.User
	page := domain.Page{Limit: domain.MaxPageLimit}
	for {
		us, next, err := st.ListUsers(ctx, domain.UserFilter{Role: role, Page: page})
		if err != nil {
			return nil, err
		}
		for _, u := range us {
			if !u.Disabled && !u.Deleted {
				out = append(out, u)
			}
		}
		if next == "" {
			return out, nil
		}
		page.Cursor = next
	}
}

// siteOf returns the site a location belongs to: the nearest ancestor (or itself) that is a
// site, else the root of its tree; "" for an unknown location.
func (d *directory) siteOf(ctx context.Context, locationID string) (string, error) {
	if locationID == "" {
		return "", nil
	}
	if site, ok := d.sites[locationID]; ok {
		return site, nil
	}
	id, root := locationID, ""
	for range 32 { // deeper than any real tree; a cycle stops here
		l, err := d.st.GetLocation(ctx, id)
		if domain.ErrorCode(err) == domain.ENOTFOUND {
			break
		}
		if err != nil {
			return "", err
		}
		root = l.ID
		if l.Kind == domain.LocationSite || l.ParentID == "" {
			break
		}
		id = l.ParentID
	}
	d.sites[locationID] = root
	return root, nil
}

// supervisorsOf returns the ids of the supervisors of a site: those whose site_ids include it
// or who have none (they see every site). For an unknown site ("") every supervisor; when no
// supervisor qualifies, the admins, so that an alert always reaches someone.
func (d *directory) supervisorsOf(ctx context.Context, siteID string) ([]string, error) {
	if err := d.load(ctx); err != nil {
		return nil, err
	}
	var out []string
	for _, u := range d.supervisors {
		if siteID == "" || len(u.SiteIDs) == 0 || contains(u.SiteIDs, siteID) {
			out = append(out, u.ID)
		}
	}
	if len(out) == 0 {
		return d.adminIDs(ctx)
	}
	return out, nil
}

// supervisorsAt returns the supervisors of the site a location belongs to.
func (d *directory) supervisorsAt(ctx context.Context, locationID string) ([]string, error) {
	site, err := d.siteOf(ctx, locationID)
	if err != nil {
		return nil, err
	}
	return d.supervisorsOf(ctx, site)
}

// adminIDs returns the ids of the active admins.
func (d *directory) adminIDs(ctx context.Context) ([]string, error) {
	if err := d.load(ctx); err != nil {
		return nil, err
	}
	out := make([]string, len(d.admins))
	for i, u := range d.admins {
		out[i] = u.ID
	}
	return out, nil
}

func contains(list []string, v string) bool {
	for _, x := range list {
		if x == v {
			return true
		}
	}
	return false
}

// quietUntil reports whether at falls in quiet hours q, and if so when they end.
func (s *Service) quietUntil(q *domain.QuietHours, at time.Time) (time.Time, bool) {
	if q == nil || q.Start == "" {
		return time.Time{}, false
	}
	start, ok1 := clockMinutes(q.Start)
	end, ok2 := clockMinutes(q.End)
	loc, err := s.zone(q.TimeZone)
	if !ok1 || !ok2 || err != nil || start == end {
		return time.Time{}, false
	}
	local := at.In(loc)
	m := local.Hour()*60 + local.Minute()
	in := m >= start && m < end
	if start > end { // across midnight
		in = m >= start || m < end
	}
	if !in {
		return time.Time{}, false
	}
	until := time.Date(local.Year(), local.Month(), local.Day(), end/60, end%60, 0, 0, loc)
	if !until.After(local) {
		until = time.Date(local.Year(), local.Month(), local.Day()+1, end/60, end%60, 0, 0, loc)
	}
	return until.UTC(), true
}

// zone loads a time zone once per Service ("" is UTC).
func (s *Service) zone(name string) (*time.Location, error) {
	if v, ok := s.zones.Load(name); ok {
		return v.(*time.Location), nil
	}
	loc, err := time.LoadLocation(name)
	if err != nil {
		return nil, err
	}
	s.zones.Store(name, loc)
	return loc, nil
}

// clockMinutes reads "HH:MM" as minutes after midnight.
func clockMinutes(s string) (int, bool) {
	t, err := time.Parse("15:04", s)
	if err != nil || len(s) != 5 {
		return 0, false
	}
	return t.Hour()*60 + t.Minute(), true
}

// CheckPreferences refuses preferences the service cannot apply: unknown alert kinds, quiet
// hours that are not "HH:MM", equal, or in an unknown time zone. Problems name their field.
func CheckPreferences(p *domain.AlertPreferences) error {
	var fields []domain.FieldError
	for i, k := range p.Muted {
		if !k.Valid() {
			fields = append(fields, domain.FieldError{Field: "muted[" + strconv.Itoa(i) + "]", Message: "is not an alert kind"})
		}
	}
	if q := p.QuietHours; q != nil {
		start, ok1 := clockMinutes(q.Start)
		end, ok2 := clockMinutes(q.End)
		if !ok1 {
			fields = append(fields, domain.FieldError{Field: "quiet_hours.start", Message: "must be a time HH:MM such as 22:00"})
		}
		if !ok2 {
			fields = append(fields, domain.FieldError{Field: "quiet_hours.end", Message: "must be a time HH:MM such as 06:30"})
		}
		if ok1 && ok2 && start == end {
			fields = append(fields, domain.FieldError{Field: "quiet_hours.end", Message: "must differ from start"})
		}
		if _, err := time.LoadLocation(q.TimeZone); err != nil {
			fields = append(fields, domain.FieldError{Field: "quiet_hours.time_zone", Message: "must be an IANA time zone such as Europe/Berlin"})
		}
	}
	return domain.Invalid(fields)
}
