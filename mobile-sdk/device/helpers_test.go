package device

import (
	"encoding/json"

	"github.com/custodyhq/custody/domain"
	"github.com/custodyhq/custody/mobile-sdk/client"
	"github.com/custodyhq/custody/mobile-sdk/localstore"
	"github.com/custodyhq/custody/sync/wire"
)

type (
	txAlias     = localstore.Tx
	wireRequest = wire.Request
)

// entitiesItem reads an item; the caller holds f.mu (inside a hook).
func (f *fakeServer) entitiesItem(id string) domain.Item {
	var it domain.Item
	_ = json.Unmarshal(f.entities[domain.EntityItem][id], &it)
	return it
}

// tokensIssued counts access tokens issued; the caller holds f.mu.
func (f *fakeServer) tokensIssued() int { return len(f.tokens) }

// expireTokensLocked expires every access token; the caller holds f.mu.
func (f *fakeServer) expireTokensLocked() {
	for k, v := range f.tokens {
		v.expires = v.expires.AddDate(-1, 0, 0)
		f.tokens[k] = v
	}
}

type errString string

func (e errString) Error() string { return string(e) }

func problemErr(status int) error { return &client.Problem{Status: status, Title: "x"} }
