package notifications

import (
	"context"
	"encoding/json"
	"fmt"
	"sync"
	"time"

	"github.com/custodyhq/custody/domain"
	"github.com/custodyhq/custody/notifications/webhook"
)

// newHookGrace is how long before its creation a webhook still receives events that happened:
// a new subscription gets the events of the last hour the rules publish from then on, not an
// item's whole history.
const newHookGrace = time.Hour

// eventBody is the JSON body of every webhook request.
type eventBody struct {
	ID        string                  `json:"id"`
	Type      domain.WebhookEventType `json:"type"`
	CreatedAt time.Time               `json:"created_at"`
	Data      map[string]any          `json:"data"`
}

// publish queues an event for the enabled webhooks subscribed to its type. key names the
// event (the same on a re-run: it is published once); orderKey groups events delivered in
// order; happened is when it happened. data carries external_id for integrations to match.
func (p *pass) publish(ctx context.Context, typ domain.WebhookEventType, key, orderKey string, happened time.Time, data map[string]any) error {
	hooks, err := p.webhooks(ctx)
	if err != nil {
		return err
	}
	return p.s.publishTo(ctx, hooks, typ, key, orderKey, happened, data)
}

// publishTo is publish with the webhooks given.
func (s *Service) publishTo(ctx context.Context, hooks []*domain.Webhook, typ domain.WebhookEventType, key, orderKey string, happened time.Time, data map[string]any) error {
	now := s.now().UTC()
	id := derivedID("event", key)
	var ds []*domain.WebhookDelivery
	for _, h := range hooks {
		if h.Enabled && h.Subscribes(typ) && !happened.Before(h.CreatedAt.Add(-newHookGrace)) {
			ds = append(ds, &domain.WebhookDelivery{ID: derivedID(h.ID, id), WebhookID: h.ID, NextAttemptAt: now, CreatedAt: now})
		}
	}
	if len(ds) == 0 {
		return nil
	}
	body, err := json.Marshal(eventBody{ID: id, Type: typ, CreatedAt: now, Data: data})
	if err != nil {
		return err
	}
	created, err := s.st.PublishWebhookEvent(ctx, &domain.WebhookEvent{ID: id, Type: typ, OrderKey: orderKey, Payload: body, CreatedAt: now}, ds)
	if err != nil {
		return err
	}
	if created {
		wakeUp(s.hookWake)
	}
	return nil
}

// dispatchWebhooks is one pass of the webhook dispatcher: it claims the deliveries due (the
// first pending one per webhook and item), posts them concurrently, and records each outcome.
// A webhook that failed WebhookDisableAfter times in a row is disabled and the admins alerted.
func (s *Service) dispatchWebhooks(ctx context.Context) (bool, error) {
	if s.fenced() {
		return false, nil
	}
	ds, err := s.st.ClaimWebhookDeliveries(ctx, s.opts.ID, s.now(), s.opts.ClaimTTL, s.opts.BatchSize)
	if err != nil || len(ds) == 0 {
		return false, err
	}
	hooks := map[string]*domain.Webhook{}
	for _, d := range ds {
		if _, ok := hooks[d.WebhookID]; ok {
			continue
		}
		h, err := s.st.GetWebhook(ctx, d.WebhookID)
		if err != nil && domain.ErrorCode(err) != domain.ENOTFOUND {
			return false, err
		}
		hooks[d.WebhookID] = h // nil: deleted meanwhile, and its deliveries with it
	}
	results := make([]webhook.Result, len(ds))
	// Sends in flight finish even when the worker stops: see dispatchPush.
	sendCtx, cancel := context.WithTimeout(context.WithoutCancel(ctx), s.opts.SendTimeout)
	sem := make(chan struct{}, s.opts.WebhookConcurrency)
	var wg sync.WaitGroup
	for i, d := range ds {
		if hooks[d.WebhookID] == nil {
			continue
		}
		wg.Add(1)
		sem <- struct{}{}
		go func() {
			defer wg.Done()
			defer func() { <-sem }()
			results[i] = s.hooks.Deliver(sendCtx, hooks[d.WebhookID], d)
		}()
	}
	wg.Wait()
	cancel()
	wctx, wcancel := context.WithTimeout(context.WithoutCancel(ctx), 10*time.Second)
	defer wcancel()
	at := s.now().UTC()
	outs := make([]domain.DeliveryOutcome, 0, len(ds))
	for i, d := range ds {
		r := results[i]
		if hooks[d.WebhookID] == nil {
			continue
		}
		o := domain.DeliveryOutcome{ID: d.ID, ClaimedBy: s.opts.ID, State: domain.DeliveryPending, Attempts: d.Attempts + 1,
			LastStatus: r.Status, LastError: r.Err, At: at}
		switch {
		case r.OK:
			o.State = domain.DeliverySent
		default:
			o.NextAttemptAt = at.Add(backoff(o.Attempts, s.opts.WebhookRetryBase, s.opts.WebhookRetryMax, s.opts.Jitter(), r.RetryAfter))
		}
		outs = append(outs, o)
	}
	if err := s.st.FinishWebhookDeliveries(wctx, outs); err != nil {
		return false, err
	}
	for i, d := range ds {
		h := hooks[d.WebhookID]
		if h == nil {
			continue
		}
		if err := s.countAttempt(wctx, h, results[i]); err != nil {
			return false, err
		}
	}
	return len(ds) == s.opts.BatchSize, nil
}

// countAttempt counts one attempt of a webhook and disables it, alerting the admins, when it
// has failed too often in a row.
func (s *Service) countAttempt(ctx context.Context, h *domain.Webhook, r webhook.Result) error {
	n, err := s.st.RecordWebhookAttempt(ctx, h.ID, r.OK)
	if err != nil || r.OK || n < s.opts.WebhookDisableAfter || !h.Enabled {
		return err
	}
	at := s.now().UTC()
	reason := fmt.Sprintf("%d consecutive failed deliveries; the last: %s", n, r.Err)
	if err := s.st.SetWebhookEnabled(ctx, h.ID, false, reason, at); err != nil {
		return err
	}
	h.Enabled = false
	s.log.Warn().Str("webhook", h.ID).Str("url", h.URL).Msg("notifications: webhook disabled after repeated failures")
	admins, err := newDirectory(s.st).adminIDs(ctx)
	if err != nil {
		return err
	}
	return s.raise(ctx, alertSpec{
		key: fmt.Sprintf("webhook_disabled|%s|%d", h.ID, at.UnixMilli()), kind: domain.AlertWebhookDisabled,
		title: "Webhook disabled", body: fmt.Sprintf("%s was disabled: %s. Enable it again once the receiver works.", h.URL, reason),
		entity: "webhook", entityID: h.ID, data: map[string]string{"webhook_id": h.ID}, collapse: []string{h.ID}, to: admins,
	})
}
