package api

import (
	"github.com/labstack/echo/v5"

	"github.com/custodyhq/custody/domain"
	"github.com/custodyhq/custody/sync/wire"
)

// routeImportItems has its own body limit (Config.ImportBodyLimit).
const routeImportItems = "/v1/import/items"

// routeSync takes up to 1000 ops in one body (Config.SyncBodyLimit).
const routeSync = "/v1/sync"

// routes lists every endpoint with the permission it needs.
func (s *Server) routes(e *echo.Echo) {
	e.Use(requestID, s.observe, s.recoverPanic, s.limitBody)

	st, w, ch, now := s.deps.Store, s.deps.Engine, s.checker, s.now
	ss := sessions{store: st, tokens: s.tokens, refreshTTL: s.cfg.RefreshTTL, now: now}
	sc := s.sites
	auth := s.authenticate
	can := require

	// Operations.
	e.GET("/healthz", healthz)
	e.GET("/readyz", readyz(st, func(err error) { s.log.Warn().Err(err).Msg("store ping failed") }))
	e.GET("/metrics", metricsHandler(s.deps.Registry))
	e.GET("/openapi.json", openAPI(s.deps.OpenAPI))

	// Sessions.
	e.POST("/v1/auth/login", login(st, ss, s.limiter, ch, s.dummyHash))
	e.POST("/v1/auth/refresh", refresh(st, ss, ch))
	e.POST("/v1/auth/logout", logout(ss, ch))
	e.POST("/v1/me/password", changeOwnPassword(st, w, ss, s.limiter, ch), auth)

	// Register.
	e.POST("/v1/locations", createLocation(st, w, ch), auth, can(domain.PermWriteRegister))
	e.GET("/v1/locations", listLocations(st, sc), auth, can(domain.PermReadRegister))
	e.GET("/v1/locations/:id", getLocation(st, sc), auth, can(domain.PermReadRegister))
	e.PATCH("/v1/locations/:id", patchLocation(st, w, ch), auth, can(domain.PermWriteRegister))

	e.POST("/v1/products", createProduct(st, w, ch), auth, can(domain.PermWriteRegister))
	e.GET("/v1/products", listProducts(st), auth, can(domain.PermReadRegister))
	e.GET("/v1/products/:id", getProduct(st), auth, can(domain.PermReadRegister))
	e.PATCH("/v1/products/:id", patchProduct(st, w, ch), auth, can(domain.PermWriteRegister))

	e.POST("/v1/items", createItem(st, w, ch), auth, can(domain.PermWriteRegister))
	e.GET("/v1/items", listItems(st, now, sc), auth, can(domain.PermReadRegister))
	e.GET("/v1/items/:id", getItem(st, sc), auth, can(domain.PermReadRegister))
	e.PATCH("/v1/items/:id", patchItem(st, w, ch), auth, can(domain.PermWriteRegister))
	e.DELETE("/v1/items/:id", deleteItem(st, w), auth, can(domain.PermWriteRegister))
	e.PUT("/v1/items/by-external-id/:external_id", putItemByExternalID(st, w, ch), auth, can(domain.PermWriteRegister))

	e.POST("/v1/users", createUser(st, st, w, ch), auth, can(domain.PermManageUsers))
	e.GET("/v1/users", listUsers(st), auth, can(domain.PermReadRegister))
	e.GET("/v1/users/:id", getUser(st), auth, can(domain.PermReadRegister))
	e.PATCH("/v1/users/:id", patchUser(st, st, st, w, ch), auth, can(domain.PermManageUsers))

	// Custody and stock: each action is an op through the engine, as offline ops are.
	e.POST("/v1/items/:id/checkout", custodyAction(st, w, ch, wire.OpItemCheckout), auth, can(domain.PermCustody))
	e.POST("/v1/items/:id/checkin", custodyAction(st, w, ch, wire.OpItemCheckin), auth, can(domain.PermCustody))
	e.POST("/v1/items/:id/transfer", custodyAction(st, w, ch, wire.OpItemTransfer), auth, can(domain.PermCustody))
	e.POST("/v1/items/:id/lost", custodyAction(st, w, ch, wire.OpItemLost), auth, can(domain.PermCustody))
	e.POST("/v1/items/:id/found", custodyAction(st, w, ch, wire.OpItemFound), auth, can(domain.PermCustody))
	e.POST("/v1/items/:id/retire", custodyAction(st, w, ch, wire.OpItemRetire), auth, can(domain.PermWriteRegister))
	e.GET("/v1/items/:id/history", itemHistory(st, st, sc), auth, can(domain.PermReadRegister))

	e.POST("/v1/stock/adjust", stockOp(st, w, ch, wire.OpStockAdjust), auth, can(domain.PermStock))
	e.POST("/v1/stock/count", stockOp(st, w, ch, wire.OpStockCount), auth, can(domain.PermStock))
	e.PUT("/v1/stock/levels", setStockMin(st, w, ch), auth, can(domain.PermWriteRegister))
	e.GET("/v1/stock", listStock(st, sc), auth, can(domain.PermReadRegister))

	// Offline sync, and the conflicts it keeps for supervisors.
	e.POST(routeSync, syncHandler(w), auth, can(domain.PermSync), compressPulls)
	e.GET("/v1/conflicts", listConflicts(st), auth, can(domain.PermResolveConfl))
	e.POST("/v1/conflicts/:id/resolve", resolveConflict(st, ch, now), auth, can(domain.PermResolveConfl))

	// Bulk.
	e.POST(routeImportItems, importItems(st, w, ch), auth, can(domain.PermImport))
	e.GET("/v1/export/items", exportItems(st, now, sc, s.log), auth, can(domain.PermImport))

	// Integrations.
	e.POST("/v1/tokens", createAPIToken(st, ch, now), auth, can(domain.PermManageTokens))
	e.GET("/v1/tokens", listAPITokens(st), auth, can(domain.PermManageTokens))
	e.DELETE("/v1/tokens/:id", revokeAPIToken(st, now), auth, can(domain.PermManageTokens))

	e.POST("/v1/readers", createReader(st, st, ch, now), auth, can(domain.PermManageReaders))
	e.GET("/v1/readers", listReaders(st), auth, can(domain.PermManageReaders))
	e.GET("/v1/readers/:id", getReader(st), auth, can(domain.PermManageReaders))
	if up, ok := st.(ReaderUpdater); ok {
		e.PATCH("/v1/readers/:id", patchReader(st, up, st, ch), auth, can(domain.PermManageReaders))
	} else {
		e.PATCH("/v1/readers/:id", noReaderUpdates, auth, can(domain.PermManageReaders))
	}
	s.readerIngestRoutes(e) // sweeps and tag events by reader keys; POST /v1/resolve
	s.receivingRoutes(e)    // stock transfers, purchase orders, receipts, pick lists (receiving.go)
	s.maintenanceRoutes(e)  // maintenance and calibration, finance, reports, audit (maintenance.go)
	s.notificationRoutes(e) // devices, alerts, alert preferences, webhooks (notifications.go)
}
