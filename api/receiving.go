package api

import (
	"bytes"
	"context"
	"encoding/json"
	"net/http"
	"slices"

	"github.com/google/uuid"
	"github.com/labstack/echo/v5"

	"github.com/custodyhq/custody/domain"
	"github.com/custodyhq/custody/sync/wire"
)

// ReceivingReader reads purchase orders, receipts and pick lists.
type ReceivingReader interface {
	GetPurchaseOrder(ctx context.Context, id string) (*domain.PurchaseOrder, error)
	ListPurchaseOrders(ctx context.Context, f domain.PurchaseOrderFilter) ([]*domain.PurchaseOrder, string, error)
	GetReceipt(ctx context.Context, id string) (*domain.Receipt, error)
	GetPickList(ctx context.Context, id string) (*domain.PickList, error)
	ListPickLists(ctx context.Context, f domain.PickListFilter) ([]*domain.PickList, string, error)
}

// receivingRoutes registers stock transfers, purchase orders and their receipts, free receipts
// and pick lists. Every change is an op through the engine, as the same op from /v1/sync is; a
// store that keeps no purchase orders answers 500 on these routes.
func (s *Server) receivingRoutes(e *echo.Echo) {
	auth, can, w, ch := s.authenticate, require, s.deps.Engine, s.checker
	var rs ReceivingReader = noReceiving{}
	if st, ok := s.deps.Store.(ReceivingReader); ok {
		rs = st
	}
	sc := s.sites
	e.POST("/v1/stock/transfer", stockTransfer(s.deps.Store, w, ch), auth, can(domain.PermStock))

	e.POST("/v1/purchase-orders", createPurchaseOrder(rs, w, ch), auth, can(domain.PermWriteRegister))
	e.GET("/v1/purchase-orders", listPurchaseOrders(rs, sc), auth, can(domain.PermReadRegister))
	e.GET("/v1/purchase-orders/:id", getPurchaseOrder(rs, sc), auth, can(domain.PermReadRegister))
	e.POST("/v1/purchase-orders/:id/receipts", postReceipt(rs, w, ch, true), auth, can(domain.PermStock))
	e.POST("/v1/purchase-orders/:id/close", closePurchaseOrder(rs, w, ch), auth, can(domain.PermWriteRegister))
	e.POST("/v1/receipts", postReceipt(rs, w, ch, false), auth, can(domain.PermStock))
	e.GET("/v1/receipts/:id", getReceipt(rs), auth, can(domain.PermReadRegister))

	e.POST("/v1/pick-lists", createPickList(rs, w, ch), auth, can(domain.PermWriteRegister))
	e.GET("/v1/pick-lists", listPickLists(rs, sc), auth, can(domain.PermReadRegister))
	e.GET("/v1/pick-lists/:id", getPickList(rs, sc), auth, can(domain.PermReadRegister))
	e.POST("/v1/pick-lists/:id/picks", recordPick(rs, w, ch), auth, can(domain.PermStock))
	e.POST("/v1/pick-lists/:id/complete", completePickList(rs, w), auth, can(domain.PermStock))
}

// noReceiving answers for a store without purchase orders, receipts and pick lists.
type noReceiving struct{}

var errNoReceiving = domain.Errorf(domain.EINTERNAL, "this store keeps no purchase orders, receipts or pick lists")

func (noReceiving) GetPurchaseOrder(context.Context, string) (*domain.PurchaseOrder, error) {
	return nil, errNoReceiving
}
func (noReceiving) ListPurchaseOrders(context.Context, domain.PurchaseOrderFilter) ([]*domain.PurchaseOrder, string, error) {
	return nil, "", errNoReceiving
}
func (noReceiving) GetReceipt(context.Context, string) (*domain.Receipt, error) {
	return nil, errNoReceiving
}
func (noReceiving) GetPickList(context.Context, string) (*domain.PickList, error) {
	return nil, errNoReceiving
}
func (noReceiving) ListPickLists(context.Context, domain.PickListFilter) ([]*domain.PickList, string, error) {
	return nil, "", errNoReceiving
}

// submitOp sends one op, with the op id the request chose, through the engine on behalf of the
// request's actor.
func submitOp(c *echo.Context, w Writer, opID, opType, entityID string, payload any) error {
	raw, err := json.Marshal(payload)
	if err != nil {
		return err
	}
	op := wire.Op{OpID: opID, Type: opType, EntityID: entityID, Payload: raw}
	return w.Submit(c.Request().Context(), actorOf(c), op, 0)
}

// decodeOptional reads an optional JSON body: none at all is the zero value.
func decodeOptional(c *echo.Context, dst any) error {
	body, err := readBody(c)
	if err != nil {
		return err
	}
	if len(bytes.TrimSpace(body)) == 0 {
		return nil
	}
	return unmarshalStrict(body, dst)
}

// clientID returns the id a client chose for what it posts (so that a retry applies once), or
// a new UUIDv7 when it chose none.
func clientID(id string) (string, error) {
	if id == "" {
		return newID()
	}
	if _, err := uuid.Parse(id); err != nil {
		return "", domain.FieldErrorf(domain.EINVALID, "id", "must be a UUID, made once and reused on every retry")
	}
	return id, nil
}

type stockTransferBody struct {
	ProductID      string `json:"product_id" validate:"required,max=64"`
	FromLocationID string `json:"from_location_id" validate:"required,max=64"`
	ToLocationID   string `json:"to_location_id" validate:"required,max=64"`
	Quantity       *int64 `json:"quantity" validate:"required,gte=1"`
}

// stockTransferResult answers POST /v1/stock/transfer: both counters after the move.
type stockTransferResult struct {
	From *domain.StockLevel `json:"from"`
	To   *domain.StockLevel `json:"to"`
}

// stockTransfer handles POST /v1/stock/transfer: one paired move between two locations.
func stockTransfer(st StockReader, w Writer, ch checker) echo.HandlerFunc {
	return func(c *echo.Context) error {
		var b stockTransferBody
		if err := decodeJSON(c, &b); err != nil {
			return err
		}
		if err := ch.check(&b); err != nil {
			return err
		}
		from := domain.StockKey{ProductID: b.ProductID, LocationID: b.FromLocationID}
		to := domain.StockKey{ProductID: b.ProductID, LocationID: b.ToLocationID}
		payload := wire.StockTransfer{ProductID: b.ProductID, FromLocationID: b.FromLocationID, ToLocationID: b.ToLocationID, Quantity: *b.Quantity}
		if err := submit(c, w, wire.OpStockTransfer, from.String(), payload, 0); err != nil {
			return err
		}
		ctx := c.Request().Context()
		var res stockTransferResult
		var err error
		if res.From, err = st.GetStockLevel(ctx, from); err != nil {
			return err
		}
		if res.To, err = st.GetStockLevel(ctx, to); err != nil {
			return err
		}
		return c.JSON(http.StatusOK, res)
	}
}

type poLineBody struct {
	ProductID     string   `json:"product_id" validate:"required,max=64"`
	Quantity      int64    `json:"quantity,omitempty" validate:"gte=0"`
	Serials       []string `json:"serials,omitempty" validate:"max=1000,dive,required,max=200"`
	UnitCostCents int64    `json:"unit_cost_cents,omitempty" validate:"gte=0"`
}

type purchaseOrderBody struct {
	Reference    string       `json:"reference,omitempty" validate:"max=100"`
	Supplier     string       `json:"supplier" validate:"required,max=200"`
	ExpectedDate string       `json:"expected_date,omitempty" validate:"omitempty,date"`
	LocationID   string       `json:"location_id" validate:"required,max=64"`
	Lines        []poLineBody `json:"lines" validate:"required,min=1,max=1000,dive"`
	Notes        string       `json:"notes,omitempty" validate:"max=4000"`
}

// createPurchaseOrder handles POST /v1/purchase-orders.
func createPurchaseOrder(rs ReceivingReader, w Writer, ch checker) echo.HandlerFunc {
	return func(c *echo.Context) error {
		var b purchaseOrderBody
		if err := decodeJSON(c, &b); err != nil {
			return err
		}
		if err := ch.check(&b); err != nil {
			return err
		}
		p := wire.PurchaseOrder{Reference: b.Reference, Supplier: b.Supplier, ExpectedDate: b.ExpectedDate, LocationID: b.LocationID, Notes: b.Notes}
		for _, l := range b.Lines {
			p.Lines = append(p.Lines, wire.POLine(l))
		}
		id, err := newID()
		if err != nil {
			return err
		}
		if err := submit(c, w, wire.OpPurchaseOrderCreate, id, p, 0); err != nil {
			return referenceError(err)
		}
		po, err := rs.GetPurchaseOrder(c.Request().Context(), id)
		if err != nil {
			return err
		}
		return createdResponse(c, "/v1/purchase-orders/"+id, po.Version, po)
	}
}

// getPurchaseOrder handles GET /v1/purchase-orders/{id}: the order with what each line has
// received so far.
func getPurchaseOrder(rs ReceivingReader, sc sites) echo.HandlerFunc {
	return func(c *echo.Context) error {
		po, err := rs.GetPurchaseOrder(c.Request().Context(), c.Param("id"))
		if err != nil {
			return err
		}
		vis, err := sc.visibility(c)
		if err != nil {
			return err
		}
		if !vis.SeesPurchaseOrder(po) {
			return gone("purchase order", po.ID)
		}
		return entityResponse(c, http.StatusOK, po.Version, po)
	}
}

// listPurchaseOrders handles GET /v1/purchase-orders?status=. A user with sites sees the orders
// received at them; a page may come out short, its cursor still continues.
func listPurchaseOrders(rs ReceivingReader, sc sites) echo.HandlerFunc {
	return func(c *echo.Context) error {
		page, err := pageFrom(c)
		if err != nil {
			return err
		}
		status, err := queryEnum(c, "status", domain.PurchaseOrderStatus.Valid, "open, partially_received, received, closed")
		if err != nil {
			return err
		}
		list, next, err := rs.ListPurchaseOrders(c.Request().Context(), domain.PurchaseOrderFilter{Status: status, Page: page})
		if err != nil {
			return err
		}
		vis, err := sc.visibility(c)
		if err != nil {
			return err
		}
		list = slices.DeleteFunc(list, func(po *domain.PurchaseOrder) bool { return !vis.SeesPurchaseOrder(po) })
		return c.JSON(http.StatusOK, newList(list, next))
	}
}

type closeBody struct {
	Reason string `json:"reason,omitempty" validate:"max=1000"`
}

// closePurchaseOrder handles POST /v1/purchase-orders/{id}/close: no more goods are expected.
func closePurchaseOrder(rs ReceivingReader, w Writer, ch checker) echo.HandlerFunc {
	return func(c *echo.Context) error {
		var b closeBody
		if err := decodeOptional(c, &b); err != nil {
			return err
		}
		if err := ch.check(&b); err != nil {
			return err
		}
		id := c.Param("id")
		if err := submit(c, w, wire.OpPurchaseOrderClose, id, wire.PurchaseOrderClose(b), 0); err != nil {
			return err
		}
		po, err := rs.GetPurchaseOrder(c.Request().Context(), id)
		if err != nil {
			return err
		}
		return entityResponse(c, http.StatusOK, po.Version, po)
	}
}

type receiptLineBody struct {
	ProductID    string `json:"product_id,omitempty" validate:"max=64"`
	Quantity     int64  `json:"quantity,omitempty" validate:"gte=0"`
	SerialNumber string `json:"serial_number,omitempty" validate:"max=200"`
	Code         string `json:"code,omitempty" validate:"max=4096"`
}

type receiptBody struct {
	// ID, made by the client once and reused on retries, makes a retried receipt apply once.
	ID         string            `json:"id,omitempty" validate:"max=64"`
	LocationID string            `json:"location_id,omitempty" validate:"max=64"`
	Lines      []receiptLineBody `json:"lines" validate:"required,min=1,max=1000,dive"`
}

// postReceipt handles POST /v1/purchase-orders/{id}/receipts (onPO) and POST /v1/receipts (a
// free receipt): the goods become a receipt.post op. It answers 201 with the receipt — its
// lines' outcomes, the items made or matched, the over-receipt flags — or, for a receipt id
// already posted, 200 with the receipt as it was recorded.
func postReceipt(rs ReceivingReader, w Writer, ch checker, onPO bool) echo.HandlerFunc {
	return func(c *echo.Context) error {
		var b receiptBody
		if err := decodeJSON(c, &b); err != nil {
			return err
		}
		if err := ch.check(&b); err != nil {
			return err
		}
		id, err := clientID(b.ID)
		if err != nil {
			return err
		}
		p := wire.Receipt{LocationID: b.LocationID}
		if onPO {
			p.PurchaseOrderID = c.Param("id")
		} else if b.LocationID == "" {
			return domain.FieldErrorf(domain.EINVALID, "location_id", "is required for a receipt without a purchase order")
		}
		for _, l := range b.Lines {
			p.Lines = append(p.Lines, wire.ReceiptLine(l))
		}
		ctx := c.Request().Context()
		if r, err := rs.GetReceipt(ctx, id); err == nil {
			if r.PurchaseOrderID != p.PurchaseOrderID {
				return domain.FieldErrorf(domain.ECONFLICT, "id", "receipt %s was posted already, against another purchase order", id)
			}
			return c.JSON(http.StatusOK, r)
		} else if domain.ErrorCode(err) != domain.ENOTFOUND {
			return err
		}
		// The op gets its own id: the receipt's id is what makes a retry apply once, and a
		// retry after a refusal (the body corrected) must be judged afresh.
		if err := submit(c, w, wire.OpReceiptPost, id, p, 0); err != nil {
			return err
		}
		r, err := rs.GetReceipt(ctx, id)
		if err != nil {
			return err
		}
		c.Response().Header().Set("Location", "/v1/receipts/"+id)
		return c.JSON(http.StatusCreated, r)
	}
}

// getReceipt handles GET /v1/receipts/{id}.
func getReceipt(rs ReceivingReader) echo.HandlerFunc {
	return func(c *echo.Context) error {
		r, err := rs.GetReceipt(c.Request().Context(), c.Param("id"))
		if err != nil {
			return err
		}
		return c.JSON(http.StatusOK, r)
	}
}
