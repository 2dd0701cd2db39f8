package api

import (
	"context"
	"encoding/json"
	"net/http"
	"time"

	"github.com/labstack/echo/v5"

	"github.com/custodyhq/custody/domain"
	"github.com/custodyhq/custody/sync/wire"
)

// MaintenanceStore reads maintenance plans and records, usage hours, product finance settings,
// the audit trail and which items a location has seen. Both store adapters provide it.
type MaintenanceStore interface {
	GetMaintenancePlan(ctx context.Context, id string) (*domain.MaintenancePlan, error)
	ListMaintenancePlans(ctx context.Context, targetIDs []string) ([]*domain.MaintenancePlan, error)
	GetMaintenanceRecord(ctx context.Context, id string) (*domain.MaintenanceRecord, error)
	ListMaintenanceRecords(ctx context.Context, f domain.MaintenanceRecordFilter) ([]*domain.MaintenanceRecord, string, error)
	LatestMaintenanceRecords(ctx context.Context, itemIDs []string) ([]*domain.MaintenanceRecord, error)
	UsageHours(ctx context.Context, itemID string, after time.Time) (float64, error)
	GetProductFinance(ctx context.Context, productID string) (*domain.ProductFinance, error)
	ListProductFinance(ctx context.Context) ([]*domain.ProductFinance, error)
	ListAudit(ctx context.Context, entityID string, page domain.Page) ([]*domain.AuditRecord, string, error)
	ListVisitedItems(ctx context.Context, locationID string) ([]string, error)
}

// maintenanceRoutes lists the endpoints of maintenance and calibration, finance settings,
// reports and the audit trail. A store without the maintenance part gets none of them.
func (s *Server) maintenanceRoutes(e *echo.Echo) {
	ms, ok := s.deps.Store.(MaintenanceStore)
	if !ok {
		s.log.Warn().Msg("the store keeps no maintenance records: maintenance, report and audit endpoints are off")
		return
	}
	st, w, ch, now := s.deps.Store, s.deps.Engine, s.checker, s.now
	auth, can := s.authenticate, require
	managers := requireRole(domain.RoleAdmin, domain.RoleSupervisor)
	r := reports{items: st, locations: st, products: st, users: st, stock: st, history: st, ms: ms, now: now,
		sites: s.sites}

	// Maintenance and calibration: plans, records, hours of use and the due list.
	e.PUT("/v1/maintenance/plans", setMaintenancePlan(ms, w, ch), auth, can(domain.PermWriteRegister))
	e.GET("/v1/maintenance/plans", listMaintenancePlans(ms), auth, can(domain.PermReadRegister))
	e.GET("/v1/maintenance/due", maintenanceDue(r), auth, can(domain.PermReadRegister))
	e.GET("/v1/maintenance/records/:id", getMaintenanceRecord(ms), auth, can(domain.PermReadRegister))
	e.POST("/v1/items/:id/maintenance", recordMaintenance(ms, w, ch), auth, can(domain.PermCustody))
	e.GET("/v1/items/:id/maintenance", itemMaintenance(r), auth, can(domain.PermReadRegister))
	e.POST("/v1/items/:id/hours", reportHours(st, ms, w, ch), auth, can(domain.PermCustody))

	// Finance settings and reports, for supervisors and admins.
	e.PUT("/v1/products/:id/finance", setProductFinance(ms, w, ch), auth, can(domain.PermWriteRegister))
	e.GET("/v1/products/:id/finance", getProductFinance(st, ms), auth, managers)
	e.GET("/v1/reports/depreciation", r.depreciation, auth, managers)
	e.GET("/v1/reports/inventory-value", r.inventoryValue, auth, managers)
	e.GET("/v1/reports/utilization", r.utilization, auth, managers)
	e.GET("/v1/reports/job-costs", r.jobCosts, auth, managers)
	e.GET("/v1/reports/overdue", r.overdue, auth, managers)
	e.GET("/v1/reports/maintenance", r.maintenanceHistory, auth, managers)

	// The audit trail.
	e.GET("/v1/audit", listAudit(ms), auth, managers)
}

// requireRole lets the request through only when the actor has one of roles.
func requireRole(roles ...domain.Role) echo.MiddlewareFunc {
	return func(next echo.HandlerFunc) echo.HandlerFunc {
		return func(c *echo.Context) error {
			a := actorOf(c)
			for _, r := range roles {
				if a.Role == r {
					return next(c)
				}
			}
			return domain.Errorf(domain.EFORBIDDEN, "this needs the role %s; you act as %s", joinStrings(roles), roleName(a.Role))
		}
	}
}

type planBody struct {
	ProductID     string   `json:"product_id,omitempty" validate:"max=64"`
	ItemID        string   `json:"item_id,omitempty" validate:"max=64"`
	Kind          string   `json:"kind" validate:"required,max=32"`
	IntervalDays  *int     `json:"interval_days,omitempty" validate:"omitempty,gte=0,lte=36500"`
	IntervalHours *float64 `json:"interval_hours,omitempty" validate:"omitempty,gte=0,lte=1000000"`
	Notes         string   `json:"notes,omitempty" validate:"max=2000"`
}

// setMaintenancePlan handles PUT /v1/maintenance/plans: a product's or an item's plan of one
// kind, by calendar days and/or hours of use. Both intervals 0 switch the plan off.
func setMaintenancePlan(ms MaintenanceStore, w Writer, ch checker) echo.HandlerFunc {
	return func(c *echo.Context) error {
		var b planBody
		if err := decodeJSON(c, &b); err != nil {
			return err
		}
		if err := ch.check(&b); err != nil {
			return err
		}
		if (b.ProductID == "") == (b.ItemID == "") {
			return domain.FieldErrorf(domain.EINVALID, "product_id", "give product_id or item_id, one of the two")
		}
		p := wire.MaintenancePlan{ProductID: b.ProductID, ItemID: b.ItemID, Kind: b.Kind, Notes: b.Notes}
		if b.IntervalDays != nil {
			p.IntervalDays = *b.IntervalDays
		}
		if b.IntervalHours != nil {
			p.IntervalHours = *b.IntervalHours
		}
		target := b.ProductID + b.ItemID
		if err := submit(c, w, wire.OpMaintenancePlanSet, target, p, 0); err != nil {
			return err
		}
		plan, err := ms.GetMaintenancePlan(c.Request().Context(), domain.PlanID(target, domain.MaintenanceKind(b.Kind)))
		if err != nil {
			return err
		}
		return c.JSON(http.StatusOK, plan)
	}
}

// listMaintenancePlans handles GET /v1/maintenance/plans?product_id=&item_id=: the plans of a
// product and/or an item, or every plan.
func listMaintenancePlans(ms MaintenanceStore) echo.HandlerFunc {
	return func(c *echo.Context) error {
		var targets []string
		for _, q := range []string{"product_id", "item_id"} {
			if v := c.QueryParam(q); v != "" {
				targets = append(targets, v)
			}
		}
		plans, err := ms.ListMaintenancePlans(c.Request().Context(), targets)
		if err != nil {
			return err
		}
		return c.JSON(http.StatusOK, newList(plans, ""))
	}
}

type recordBody struct {
	Kind           string `json:"kind" validate:"required,max=32"`
	Result         string `json:"result" validate:"required,max=16"`
	PerformedAt    string `json:"performed_at,omitempty" validate:"omitempty,timestamp"`
	PerformedBy    string `json:"performed_by,omitempty" validate:"max=200"`
	CertificateRef string `json:"certificate_ref,omitempty" validate:"max=200"`
	Notes          string `json:"notes,omitempty" validate:"max=4000"`
}

// recordMaintenance handles POST /v1/items/{id}/maintenance: work done on an item. A failed
// calibration takes the item out of service.
func recordMaintenance(ms MaintenanceStore, w Writer, ch checker) echo.HandlerFunc {
	return func(c *echo.Context) error {
		var b recordBody
		if err := decodeJSON(c, &b); err != nil {
			return err
		}
		if err := ch.check(&b); err != nil {
			return err
		}
		if b.PerformedAt != "" {
			b.PerformedAt = utcTime(b.PerformedAt)
		}
		id, err := newID()
		if err != nil {
			return err
		}
		raw, err := json.Marshal(wire.MaintenanceRecord(b))
		if err != nil {
			return err
		}
		op := wire.Op{OpID: id, Type: wire.OpMaintenanceRecord, EntityID: c.Param("id"), Payload: raw}
		if err := w.Submit(c.Request().Context(), actorOf(c), op, 0); err != nil {
			return err
		}
		rec, err := ms.GetMaintenanceRecord(c.Request().Context(), id)
		if err != nil {
			return err
		}
		c.Response().Header().Set("Location", "/v1/maintenance/records/"+rec.ID)
		return c.JSON(http.StatusCreated, rec)
	}
}

// getMaintenanceRecord handles GET /v1/maintenance/records/{id}.
func getMaintenanceRecord(ms MaintenanceStore) echo.HandlerFunc {
	return func(c *echo.Context) error {
		rec, err := ms.GetMaintenanceRecord(c.Request().Context(), c.Param("id"))
		if err != nil {
			return err
		}
		return c.JSON(http.StatusOK, rec)
	}
}

// itemMaintenanceResponse is an item's maintenance: where each planned kind stands, its hours of
// use, and its records newest first.
type itemMaintenanceResponse struct {
	ItemID     string                      `json:"item_id"`
	UsageHours float64                     `json:"usage_hours"`
	Due        []domain.MaintenanceDue     `json:"due"`
	Data       []*domain.MaintenanceRecord `json:"data"`
	NextCursor string                      `json:"next_cursor"`
}

// itemMaintenance handles GET /v1/items/{id}/maintenance?kind=&limit=&cursor=: the item's
// maintenance history and where its plans stand.
func itemMaintenance(r reports) echo.HandlerFunc {
	return func(c *echo.Context) error {
		page, err := pageFrom(c)
		if err != nil {
			return err
		}
		kind, err := queryEnum(c, "kind", domain.MaintenanceKind.Valid, joinStrings(domain.MaintenanceKinds))
		if err != nil {
			return err
		}
		it, err := getVisibleItem(c, r.items, r.sites, c.Param("id"))
		if err != nil {
			return err
		}
		ctx := c.Request().Context()
		recs, next, err := r.ms.ListMaintenanceRecords(ctx, domain.MaintenanceRecordFilter{ItemID: it.ID, Kind: kind, Page: page})
		if err != nil {
			return err
		}
		due, err := r.dueOf(ctx, []*domain.Item{it}, r.now().UTC())
		if err != nil {
			return err
		}
		hours, err := r.ms.UsageHours(ctx, it.ID, time.Time{})
		if err != nil {
			return err
		}
		resp := itemMaintenanceResponse{ItemID: it.ID, UsageHours: hours, Due: make([]domain.MaintenanceDue, 0, len(due)), Data: recs, NextCursor: next}
		for _, d := range due {
			resp.Due = append(resp.Due, d.MaintenanceDue)
		}
		if resp.Data == nil {
			resp.Data = []*domain.MaintenanceRecord{}
		}
		return c.JSON(http.StatusOK, resp)
	}
}

type hoursBody struct {
	Hours float64 `json:"hours"`
}

// reportHours handles POST /v1/items/{id}/hours: hours of use, for plans by usage. The answer
// is the item's total hours of use.
func reportHours(items ItemReader, ms MaintenanceStore, w Writer, ch checker) echo.HandlerFunc {
	return func(c *echo.Context) error {
		var b hoursBody
		if err := decodeJSON(c, &b); err != nil {
			return err
		}
		if err := ch.check(&b); err != nil {
			return err
		}
		id := c.Param("id")
		if err := submit(c, w, wire.OpItemHours, id, wire.ItemHours(b), 0); err != nil {
			return err
		}
		total, err := ms.UsageHours(c.Request().Context(), id, time.Time{})
		if err != nil {
			return err
		}
		return c.JSON(http.StatusOK, map[string]any{"item_id": id, "usage_hours": total})
	}
}

type financeBody struct {
	DepreciationMethod string  `json:"depreciation_method" validate:"required,max=32"`
	UsefulLifeYears    int     `json:"useful_life_years" validate:"required,gte=1,lte=100"`
	SalvageValueCents  int64   `json:"salvage_value_cents,omitempty" validate:"gte=0"`
	DepreciationRate   float64 `json:"depreciation_rate,omitempty"`
	DailyRateCents     int64   `json:"daily_rate_cents,omitempty" validate:"gte=0"`
}

// setProductFinance handles PUT /v1/products/{id}/finance: how the product's items depreciate
// and the daily rate a job pays for one.
func setProductFinance(ms MaintenanceStore, w Writer, ch checker) echo.HandlerFunc {
	return func(c *echo.Context) error {
		var b financeBody
		if err := decodeJSON(c, &b); err != nil {
			return err
		}
		if err := ch.check(&b); err != nil {
			return err
		}
		id := c.Param("id")
		if err := submit(c, w, wire.OpProductFinanceSet, id, wire.ProductFinance(b), 0); err != nil {
			return err
		}
		f, err := ms.GetProductFinance(c.Request().Context(), id)
		if err != nil {
			return err
		}
		return c.JSON(http.StatusOK, f)
	}
}

// getProductFinance handles GET /v1/products/{id}/finance; a product without settings is 404.
func getProductFinance(products ProductReader, ms MaintenanceStore) echo.HandlerFunc {
	return func(c *echo.Context) error {
		id := c.Param("id")
		ctx := c.Request().Context()
		p, err := products.GetProduct(ctx, id)
		if err != nil {
			return err
		}
		if p.Deleted {
			return gone("product", id)
		}
		f, err := ms.GetProductFinance(ctx, id)
		if err != nil {
			return err
		}
		return c.JSON(http.StatusOK, f)
	}
}

// listAudit handles GET /v1/audit?entity_id=&limit=&cursor=: changes newest first, each with
// who, from which device, when, and the entity before and after.
func listAudit(ms MaintenanceStore) echo.HandlerFunc {
	return func(c *echo.Context) error {
		page, err := pageFrom(c)
		if err != nil {
			return err
		}
		as, next, err := ms.ListAudit(c.Request().Context(), c.QueryParam("entity_id"), page)
		if err != nil {
			return err
		}
		return c.JSON(http.StatusOK, newList(as, next))
	}
}
