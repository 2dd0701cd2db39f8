package api

import (
	"fmt"
	"net/http"
	"strings"

	"github.com/labstack/echo/v5"

	"github.com/custodyhq/custody/domain"
	"github.com/custodyhq/custody/sync/wire"
)

// userCreate is the body of POST /v1/users.
type userCreate struct {
	Email    string      `json:"email" validate:"required,email,max=254"`
	Name     string      `json:"name" validate:"required,max=200"`
	Role     domain.Role `json:"role" validate:"required,role"`
	Password string      `json:"password" validate:"required,min=8,max=1024"`
	Badges   []string    `json:"badges,omitempty" validate:"max=20"`
	SiteIDs  []string    `json:"site_ids,omitempty" validate:"max=200"`
	Disabled bool        `json:"disabled,omitempty"`
}

// userPayload is the payload of user.create.
type userPayload struct {
	Email        string      `json:"email"`
	Name         string      `json:"name"`
	Role         domain.Role `json:"role"`
	PasswordHash string      `json:"password_hash,omitempty"`
	Badges       []string    `json:"badges"`
	SiteIDs      []string    `json:"site_ids"`
	Disabled     bool        `json:"disabled"`
}

// userPatch is the body of PATCH /v1/users/{id}.
type userPatch struct {
	Email    *string      `json:"email" validate:"omitnil,email,max=254"`
	Name     *string      `json:"name" validate:"omitnil,max=200"`
	Role     *domain.Role `json:"role" validate:"omitnil,role"`
	Password *string      `json:"password" validate:"omitnil,min=8,max=1024"`
	Badges   *[]string    `json:"badges" validate:"omitnil,max=20"`
	SiteIDs  *[]string    `json:"site_ids" validate:"omitnil,max=200"`
	Disabled *bool        `json:"disabled"`
}

// checkSites refuses site ids that are not sites.
func checkSites(c *echo.Context, locs LocationReader, ids []string) ([]string, error) {
	out := make([]string, 0, len(ids))
	seen := map[string]bool{}
	var fe []domain.FieldError
	for i, id := range ids {
		id = strings.TrimSpace(id)
		if seen[id] {
			continue
		}
		seen[id] = true
		l, err := locs.GetLocation(c.Request().Context(), id)
		switch {
		case domain.ErrorCode(err) == domain.ENOTFOUND || (err == nil && l.Deleted):
			fe = append(fe, domain.FieldError{Field: fmt.Sprintf("site_ids[%d]", i), Message: fmt.Sprintf("no location %q", id)})
			continue
		case err != nil:
			return nil, err
		case l.Kind != domain.LocationSite:
			fe = append(fe, domain.FieldError{Field: fmt.Sprintf("site_ids[%d]", i), Message: fmt.Sprintf("location %q is a %s, not a site", id, l.Kind)})
			continue
		}
		out = append(out, id)
	}
	if err := domain.Invalid(fe); err != nil {
		return nil, err
	}
	return out, nil
}

func getLiveUser(c *echo.Context, users UserReader, id string) (*domain.User, error) {
	u, err := users.GetUser(c.Request().Context(), id)
	if err != nil {
		return nil, err
	}
	if u.Deleted {
		return nil, gone("user", id)
	}
	return u, nil
}

func createUser(users UserReader, locs LocationReader, w Writer, ch checker) echo.HandlerFunc {
	return func(c *echo.Context) error {
		var req userCreate
		if err := decodeJSON(c, &req); err != nil {
			return err
		}
		req.Email = normalizeEmail(req.Email)
		req.Name = strings.TrimSpace(req.Name)
		if err := ch.check(&req); err != nil {
			return err
		}
		badges, err := normalizeBadges("badges", req.Badges)
		if err != nil {
			return err
		}
		sites, err := checkSites(c, locs, req.SiteIDs)
		if err != nil {
			return err
		}
		payload := userPayload{Email: req.Email, Name: req.Name, Role: req.Role, Badges: badges, SiteIDs: sites, Disabled: req.Disabled}
		if payload.PasswordHash, err = HashPassword(req.Password); err != nil {
			return err
		}
		id, err := newID()
		if err != nil {
			return err
		}
		if err := submit(c, w, wire.OpUserCreate, id, payload, 0); err != nil {
			return referenceError(err)
		}
		u, err := users.GetUser(c.Request().Context(), id)
		if err != nil {
			return err
		}
		return createdResponse(c, "/v1/users/"+id, u.Version, u)
	}
}

func getUser(users UserReader) echo.HandlerFunc {
	return func(c *echo.Context) error {
		u, err := getLiveUser(c, users, c.Param("id"))
		if err != nil {
			return err
		}
		return entityResponse(c, http.StatusOK, u.Version, u)
	}
}

func listUsers(users UserReader) echo.HandlerFunc {
	return func(c *echo.Context) error {
		page, err := pageFrom(c)
		if err != nil {
			return err
		}
		role, err := queryEnum(c, "role", domain.Role.Valid, "admin, supervisor, field, picker")
		if err != nil {
			return err
		}
		us, next, err := users.ListUsers(c.Request().Context(), domain.UserFilter{Role: role, Query: c.QueryParam("q"), Page: page})
		if err != nil {
			return err
		}
		return c.JSON(http.StatusOK, newList(us, next))
	}
}

// patchUser changes a user. A new password, role, email or disabling ends the user's sessions.
func patchUser(users UserReader, locs LocationReader, sessions SessionStore, w Writer, ch checker) echo.HandlerFunc {
	return func(c *echo.Context) error {
		id := c.Param("id")
		ifVersion, err := ifMatch(c)
		if err != nil {
			return err
		}
		var req userPatch
		p, err := decodePatch(c, &req)
		if err != nil {
			return err
		}
		if err := p.requireKept("email", "name", "role", "password", "disabled"); err != nil {
			return err
		}
		if req.Email != nil {
			*req.Email = normalizeEmail(*req.Email)
		}
		if req.Name != nil {
			*req.Name = strings.TrimSpace(*req.Name)
		}
		if err := ch.check(&req); err != nil {
			return err
		}
		cur, err := getLiveUser(c, users, id)
		if err != nil {
			return err
		}
		fields := fieldSet{}
		fields.copyFrom(p, "role", "disabled")
		if req.Email != nil {
			fields.set("email", *req.Email)
		}
		if req.Name != nil {
			fields.set("name", *req.Name)
		}
		if p.has("badges") {
			var in []string
			if req.Badges != nil {
				in = *req.Badges
			}
			badges, err := normalizeBadges("badges", in)
			if err != nil {
				return err
			}
			fields.set("badges", badges)
		}
		if p.has("site_ids") {
			var in []string
			if req.SiteIDs != nil {
				in = *req.SiteIDs
			}
			sites, err := checkSites(c, locs, in)
			if err != nil {
				return err
			}
			fields.set("site_ids", sites)
		}
		if req.Password != nil {
			h, err := HashPassword(*req.Password)
			if err != nil {
				return err
			}
			fields.set("password_hash", h)
		}
		if len(fields) == 0 {
			if err := checkVersion(ifVersion, cur.Version); err != nil {
				return err
			}
			return entityResponse(c, http.StatusOK, cur.Version, cur)
		}
		if err := submit(c, w, wire.OpUserUpdate, id, updatePayload{Fields: fields}, ifVersion); err != nil {
			return referenceError(err)
		}
		u, err := users.GetUser(c.Request().Context(), id)
		if err != nil {
			return err
		}
		if p.has("password") || u.Role != cur.Role || u.Email != cur.Email || (u.Disabled && !cur.Disabled) {
			if err := sessions.RevokeUserTokens(c.Request().Context(), id); err != nil {
				return err
			}
		}
		return entityResponse(c, http.StatusOK, u.Version, u)
	}
}
