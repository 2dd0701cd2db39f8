package domain

// Permission is one thing an actor may do.
type Permission string

// Permissions.
const (
	PermReadRegister   Permission = "register:read"
	PermWriteRegister  Permission = "register:write" // locations, products, items
	PermManageUsers    Permission = "users:manage"
	PermManageTokens   Permission = "tokens:manage"
	PermCustody        Permission = "custody:write" // check out, check in, transfer
	PermStock          Permission = "stock:write"
	PermSync           Permission = "sync"
	PermImport         Permission = "import"
	PermResolveConfl   Permission = "conflicts:resolve"
	PermManageReaders  Permission = "readers:manage"
	PermIngestReads    Permission = "readers:ingest"
	PermReadAllHolders Permission = "custody:read_all"
)

// permissions is the one table of what each role may do.
var permissions = map[Role][]Permission{
	RoleAdmin: {PermReadRegister, PermWriteRegister, PermManageUsers, PermManageTokens, PermCustody,
		PermStock, PermSync, PermImport, PermResolveConfl, PermManageReaders, PermReadAllHolders},
	RoleSupervisor: {PermReadRegister, PermWriteRegister, PermCustody, PermStock, PermSync,
		PermImport, PermResolveConfl, PermReadAllHolders},
	RoleField:  {PermReadRegister, PermCustody, PermSync},
	RolePicker: {PermReadRegister, PermCustody, PermStock, PermSync},
	RoleReader: {PermIngestReads},
}

// Can reports whether role r has permission p.
func (r Role) Can(p Permission) bool {
	for _, q := range permissions[r] {
		if q == p {
			return true
		}
	}
	return false
}

// RolesWith lists the roles that have permission p, for error messages.
func RolesWith(p Permission) []Role {
	var out []Role
	for _, r := range []Role{RoleAdmin, RoleSupervisor, RoleField, RolePicker, RoleReader} {
		if r.Can(p) {
			out = append(out, r)
		}
	}
	return out
}
