package wire

// Tag binding op types (entity id: the item id). Tags on an item are an add-wins set: an add
// and a remove made concurrently (the remover had not seen that add) leave the tag on.
const (
	OpItemTagAdd    = "item.tag.add"
	OpItemTagRemove = "item.tag.remove"
)

// TagAdd is the payload of item.tag.add.
type TagAdd struct {
	Kind  string `json:"kind"`
	Value string `json:"value"`
}

// TagRemove is the payload of item.tag.remove. Observed lists the op ids of the adds the device
// had seen (its own queued ones included): only those are removed, so an add it could not have
// seen survives. Without it, the remove takes every add whose clock is before its own.
type TagRemove struct {
	Kind     string   `json:"kind"`
	Value    string   `json:"value"`
	Observed []string `json:"observed,omitempty"`
}
