package domain

// Role is what a user may do.
type Role string

// Roles.
const (
	RoleAdmin      Role = "admin"
	RoleSupervisor Role = "supervisor"
	RoleField      Role = "field"
	RolePicker     Role = "picker"
	// RoleReader is the role of an RFID reader's key; it is never a user's.
	RoleReader Role = "reader"
)

// Valid reports whether r is a role a user may have.
func (r Role) Valid() bool {
	switch r {
	case RoleAdmin, RoleSupervisor, RoleField, RolePicker:
		return true
	}
	return false
}

// User is a person who signs in: an admin, a supervisor, field staff or a picker. Badges are the
// NFC UIDs of their badges (normalized uppercase hex); SiteIDs limits what they see (empty: all).
type User struct {
	ID           string   `json:"id"`
	Email        string   `json:"email"`
	Name         string   `json:"name"`
	Role         Role     `json:"role"`
	PasswordHash string   `json:"-"`
	Badges       []string `json:"badges"`
	SiteIDs      []string `json:"site_ids"`
	Disabled     bool     `json:"disabled,omitempty"`
	Meta
}

// UserFilter selects users in a list.
type UserFilter struct {
	Role  Role
	Query string
	Page
}

// Actor is who performs an action: a user, an API token acting with a role, or a reader.
type Actor struct {
	UserID   string
	Role     Role
	DeviceID string
	// ReaderID is set when a reader's key authenticated the request.
	ReaderID string
}
