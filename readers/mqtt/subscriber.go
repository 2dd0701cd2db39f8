// Package mqtt takes reader payloads from an MQTT broker: readers that publish their sweeps
// and tag events instead of posting them. It subscribes with QoS 1 and a persistent session,
// so what readers publish while Custody is restarting is delivered when it is back, and it
// acknowledges a message only once the payload has been taken in (or refused for good), so a
// crash in between means redelivery — harmless, as a sweep is idempotent by its id.
//
// The reader id is the topic level matched by "+" in the configured filter, such as
// custody/readers/+/sweeps. The broker decides who may publish where: give each reader's
// credentials publish rights on its own topic only.
package mqtt

import (
	"context"
	"errors"
	"fmt"
	"net/url"
	"strings"
	"time"

	"github.com/eclipse/paho.golang/autopaho"
	"github.com/eclipse/paho.golang/paho"
	"github.com/rs/zerolog"

	"github.com/custodyhq/custody/domain"
)

// DefaultTopic is the topic filter subscribed to when Config.Topic is empty.
const DefaultTopic = "custody/readers/+/sweeps"

// Config is how the subscriber reaches the broker (CUSTODY_MQTT_URL, CUSTODY_MQTT_TOPIC).
type Config struct {
	// URL is the broker: mqtt://host:1883, tls://host:8883, ws://… or wss://…; user and
	// password may be given in it.
	URL string
	// Topic is the filter to subscribe to; its first "+" level is the reader id.
	// DefaultTopic when empty.
	Topic string
	// ClientID names the session on the broker, which keeps it while the subscriber is away;
	// two running subscribers must not share one. Default "custody-ingest".
	ClientID string
	// SessionExpiry is how long the broker keeps the session, and queues messages for it,
	// after the subscriber disconnects. Default 24 hours.
	SessionExpiry time.Duration
	// KeepAlive is the MQTT keep-alive interval. Default 30 seconds.
	KeepAlive time.Duration
	// RetryMin and RetryMax bound the wait between attempts to reconnect, and to take in a
	// payload when the store fails; the wait doubles from RetryMin up to RetryMax.
	// Defaults 1 and 30 seconds.
	RetryMin, RetryMax time.Duration
}

// Ingester takes in a reader's payload, of any format: the readers/ingest service.
type Ingester interface {
	Ingest(ctx context.Context, readerID string, body []byte) (domain.SweepResult, error)
}

// withDefaults fills in the defaults and checks the configuration; it returns the broker URL
// and the index of the reader id's level in the topic.
func (c *Config) withDefaults() (*url.URL, int, error) {
	if c.Topic == "" {
		c.Topic = DefaultTopic
	}
	if c.ClientID == "" {
		c.ClientID = "custody-ingest"
	}
	if c.SessionExpiry <= 0 {
		c.SessionExpiry = 24 * time.Hour
	}
	if c.KeepAlive <= 0 {
		c.KeepAlive = 30 * time.Second
	}
	if c.RetryMin <= 0 {
		c.RetryMin = time.Second
	}
	if c.RetryMax < c.RetryMin {
		c.RetryMax = max(30*time.Second, c.RetryMin)
	}
	u, err := url.Parse(c.URL)
	if err != nil || u.Host == "" {
		return nil, 0, fmt.Errorf("mqtt: URL %q is not a broker address such as mqtt://host:1883", c.URL)
	}
	level := -1
	for i, l := range strings.Split(c.Topic, "/") {
		if l == "+" {
			level = i
			break
		}
	}
	if level < 0 {
		return nil, 0, fmt.Errorf("mqtt: topic %q has no + level to take the reader id from", c.Topic)
	}
	return u, level, nil
}

// backoff returns the wait before attempt n (1, 2, …).
func (c *Config) backoff(n int) time.Duration {
	d := c.RetryMin
	for i := 1; i < n && d < c.RetryMax; i++ {
		d *= 2
	}
	return min(d, c.RetryMax)
}

// Run subscribes to cfg.Topic and hands every message to in until ctx ends, reconnecting
// whenever the connection drops. It returns an error only for a configuration it cannot use;
// an unreachable broker is retried for as long as ctx lasts.
func Run(ctx context.Context, cfg Config, in Ingester, log zerolog.Logger) error {
	u, level, err := cfg.withDefaults()
	if err != nil {
		return err
	}
	h := &handler{cfg: cfg, level: level, in: in, log: log, ctx: ctx}
	ac := autopaho.ClientConfig{
		ServerUrls:                    []*url.URL{u},
		KeepAlive:                     uint16(cfg.KeepAlive / time.Second),
		CleanStartOnInitialConnection: false,
		SessionExpiryInterval:         uint32(cfg.SessionExpiry / time.Second),
		ReconnectBackoff:              cfg.backoff,
		ConnectTimeout:                10 * time.Second,
		OnConnectionUp: func(cm *autopaho.ConnectionManager, ack *paho.Connack) {
			log.Info().Str("broker", u.Redacted()).Bool("session_present", ack.SessionPresent).Msg("mqtt: connected")
			// Subscribe on every connection: a broker that lost its state (restarted without
			// persistence) needs the subscription again; on a resumed session it changes nothing.
			go func() {
				if _, err := cm.Subscribe(ctx, &paho.Subscribe{Subscriptions: []paho.SubscribeOptions{{Topic: cfg.Topic, QoS: 1}}}); err != nil && ctx.Err() == nil {
					log.Error().Err(err).Str("topic", cfg.Topic).Msg("mqtt: subscribe failed; reconnecting will try again")
				}
			}()
		},
		OnConnectError: func(err error) {
			log.Warn().Err(err).Str("broker", u.Redacted()).Msg("mqtt: cannot connect; retrying")
		},
		ClientConfig: paho.ClientConfig{
			ClientID:                   cfg.ClientID,
			EnableManualAcknowledgment: true,
			OnPublishReceived:          []func(paho.PublishReceived) (bool, error){h.receive},
			OnClientError: func(err error) {
				log.Warn().Err(err).Msg("mqtt: connection lost; reconnecting")
			},
		},
	}
	if u.User != nil {
		ac.ConnectUsername = u.User.Username()
		if p, ok := u.User.Password(); ok {
			ac.ConnectPassword = []byte(p)
		}
	}
	cm, err := autopaho.NewConnection(ctx, ac)
	if err != nil {
		return fmt.Errorf("mqtt: %w", err)
	}
	<-cm.Done()
	log.Info().Msg("mqtt: stopped")
	return nil
}

// handler takes each message in.
type handler struct {
	cfg   Config
	level int
	in    Ingester
	log   zerolog.Logger
	ctx   context.Context
}

// readerID returns the topic level that names the reader, "" if the topic has none.
func (h *handler) readerID(topic string) string {
	levels := strings.Split(topic, "/")
	if h.level >= len(levels) {
		return ""
	}
	return levels[h.level]
}

// receive takes one message in. A payload taken in, or refused for what it is (malformed,
// invalid, an unknown reader), is acknowledged; a failure of the store is retried, and a
// message still not taken in when the subscriber stops stays unacknowledged for the broker to
// deliver again.
func (h *handler) receive(pr paho.PublishReceived) (bool, error) {
	pb := pr.Packet
	reader := h.readerID(pb.Topic)
	log := h.log.With().Str("topic", pb.Topic).Str("reader_id", reader).Logger()
	for attempt := 1; ; attempt++ {
		err := h.take(reader, pb.Payload)
		if err == nil || !retryable(err) {
			if err != nil {
				log.Warn().Err(err).Msg("mqtt: payload refused")
			}
			if err := pr.Client.Ack(pb); err != nil && h.ctx.Err() == nil {
				log.Warn().Err(err).Msg("mqtt: acknowledging failed; the broker will deliver the message again")
			}
			return true, nil
		}
		wait := h.cfg.backoff(attempt)
		log.Error().Err(err).Dur("retry_in", wait).Msg("mqtt: taking the payload in failed")
		select {
		case <-h.ctx.Done():
			return true, nil // not acknowledged: redelivered on the next session
		case <-time.After(wait):
		}
	}
}

// take hands one payload to the ingester.
func (h *handler) take(reader string, body []byte) error {
	if reader == "" {
		return domain.Errorf(domain.EINVALID, "the topic names no reader")
	}
	_, err := h.in.Ingest(h.ctx, reader, body)
	return err
}

// retryable reports whether a failure may pass: anything but a refusal of the payload itself.
func retryable(err error) bool {
	var de *domain.Error
	return !errors.As(err, &de) || de.Code == domain.EINTERNAL
}
