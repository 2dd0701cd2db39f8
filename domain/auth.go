package domain

import "time"

// RefreshToken is one use of a refresh-token family. Only its SHA-256 hash is stored. Using it
// marks it used and issues the next of the family; presenting a used one revokes the family.
type RefreshToken struct {
	Hash      string
	FamilyID  string
	UserID    string
	CreatedAt time.Time
	ExpiresAt time.Time
	Used      bool
	Revoked   bool
}

// APIToken lets an integration (ERP, WMS, scripts) call the API with a role. Only its hash is
// stored; the secret is shown once at creation.
type APIToken struct {
	ID        string     `json:"id"`
	Name      string     `json:"name"`
	Hash      string     `json:"-"`
	Role      Role       `json:"role"`
	CreatedBy string     `json:"created_by"`
	CreatedAt time.Time  `json:"created_at"`
	ExpiresAt *time.Time `json:"expires_at,omitempty"`
	RevokedAt *time.Time `json:"revoked_at,omitempty"`
}

// Active reports whether the token may be used at now.
func (t *APIToken) Active(now time.Time) bool {
	return t.RevokedAt == nil && (t.ExpiresAt == nil || now.Before(*t.ExpiresAt))
}

// Reader is an RFID cabinet or fixed reader. It authenticates with its own key, stored hashed.
type Reader struct {
	ID         string    `json:"id"`
	Name       string    `json:"name"`
	LocationID string    `json:"location_id"`
	KeyHash    string    `json:"-"`
	RSSIFloor  float64   `json:"rssi_floor,omitempty"`
	CreatedAt  time.Time `json:"created_at"`
	Disabled   bool      `json:"disabled,omitempty"`
	// Version counts the reader's writes, from 1 at creation: the ETag an update is based on.
	Version int64 `json:"version"`
}
