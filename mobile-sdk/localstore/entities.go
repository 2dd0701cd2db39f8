package localstore

import (
	"bytes"
	"encoding/json"
	"strings"

	"github.com/custodyhq/custody/domain"
)

// Lookup key prefixes of the index: how a scanned code finds an entity without the network.
const (
	KeyNFC     = "nfc:"     // an item's NFC tag UID, uppercase hex
	KeyEPC     = "epc:"     // an item's EPC, uppercase hex
	KeyBarcode = "barcode:" // an item's barcode tag, as stored
	KeyAsset   = "asset:"   // an item's asset tag, uppercase
	KeySerial  = "serial:"  // "<product_id>/<serial_number>" of an item
	KeyBadge   = "badge:"   // a user's badge UID, uppercase hex
	KeyEmail   = "email:"   // a user's email, lowercase
	KeyGTIN    = "gtin:"    // a product's GTIN-14
)

// Entity returns a confirmed entity's JSON as the server sent it.
func (t *Tx) Entity(kind, id string) (json.RawMessage, bool) {
	b := t.tx.Bucket(bucketEntities).Bucket([]byte(kind))
	if b == nil {
		return nil, false
	}
	v := b.Get([]byte(id))
	if v == nil {
		return nil, false
	}
	return bytes.Clone(v), true
}

// PutEntity stores the server's state of an entity, replacing what was there, and keeps the
// lookup index in step.
func (t *Tx) PutEntity(kind, id string, data []byte) error {
	b, err := t.tx.Bucket(bucketEntities).CreateBucketIfNotExists([]byte(kind))
	if err != nil {
		return err
	}
	if err := t.unindex(kind, id, b.Get([]byte(id))); err != nil {
		return err
	}
	if err := b.Put([]byte(id), data); err != nil {
		return err
	}
	idx := t.tx.Bucket(bucketIndex)
	ref := []byte(kind + "/" + id)
	for _, k := range IndexKeys(kind, data) {
		if err := idx.Put([]byte(k), ref); err != nil {
			return err
		}
	}
	return nil
}

// DeleteEntity removes a confirmed entity (the server deleted it, or it left the user's view)
// and reports whether the store held it.
func (t *Tx) DeleteEntity(kind, id string) (bool, error) {
	b := t.tx.Bucket(bucketEntities).Bucket([]byte(kind))
	if b == nil {
		return false, nil
	}
	old := b.Get([]byte(id))
	if old == nil {
		return false, nil
	}
	if err := t.unindex(kind, id, old); err != nil {
		return false, err
	}
	return true, b.Delete([]byte(id))
}

// unindex removes the index entries of an entity's old state that still point at it.
func (t *Tx) unindex(kind, id string, old []byte) error {
	if old == nil {
		return nil
	}
	idx := t.tx.Bucket(bucketIndex)
	ref := kind + "/" + id
	for _, k := range IndexKeys(kind, old) {
		if string(idx.Get([]byte(k))) == ref {
			if err := idx.Delete([]byte(k)); err != nil {
				return err
			}
		}
	}
	return nil
}

// ForEachEntity calls fn for every confirmed entity of a kind, in id order, until fn returns
// an error. data is only valid during the call.
func (t *Tx) ForEachEntity(kind string, fn func(id string, data []byte) error) error {
	b := t.tx.Bucket(bucketEntities).Bucket([]byte(kind))
	if b == nil {
		return nil
	}
	return b.ForEach(func(k, v []byte) error { return fn(string(k), v) })
}

// CountEntities returns how many confirmed entities of a kind the store holds.
func (t *Tx) CountEntities(kind string) int {
	b := t.tx.Bucket(bucketEntities).Bucket([]byte(kind))
	if b == nil {
		return 0
	}
	n := 0
	c := b.Cursor()
	for k, _ := c.First(); k != nil; k, _ = c.Next() {
		n++
	}
	return n
}

// ClearEntities drops every confirmed entity and the index, before a full resync.
func (t *Tx) ClearEntities() error {
	for _, name := range [][]byte{bucketEntities, bucketIndex} {
		if err := t.tx.DeleteBucket(name); err != nil {
			return err
		}
		if _, err := t.tx.CreateBucket(name); err != nil {
			return err
		}
	}
	return nil
}

// Lookup finds the entity an index key names, such as KeyNFC+"04A1B2C3D4E5F6".
func (t *Tx) Lookup(key string) (kind, id string, ok bool) {
	v := t.tx.Bucket(bucketIndex).Get([]byte(key))
	if v == nil {
		return "", "", false
	}
	kind, id, ok = strings.Cut(string(v), "/")
	return kind, id, ok
}

// IndexKeys returns the lookup keys of an entity's JSON: an item's tags, asset tag and serial,
// a user's badges and email, a product's GTIN.
func IndexKeys(kind string, data []byte) []string {
	var keys []string
	switch kind {
	case domain.EntityItem:
		var it domain.Item
		if json.Unmarshal(data, &it) != nil || it.Deleted {
			return nil
		}
		for _, tg := range it.Tags {
			switch tg.Kind {
			case domain.TagNFC:
				keys = append(keys, KeyNFC+strings.ToUpper(tg.Value))
			case domain.TagEPC:
				keys = append(keys, KeyEPC+strings.ToUpper(tg.Value))
			case domain.TagBarcode:
				keys = append(keys, KeyBarcode+tg.Value)
			}
		}
		if it.AssetTag != "" {
			keys = append(keys, KeyAsset+strings.ToUpper(it.AssetTag))
		}
		if it.SerialNumber != "" {
			keys = append(keys, KeySerial+it.ProductID+"/"+it.SerialNumber)
		}
	case domain.EntityUser:
		var u domain.User
		if json.Unmarshal(data, &u) != nil || u.Deleted {
			return nil
		}
		for _, b := range u.Badges {
			keys = append(keys, KeyBadge+strings.ToUpper(b))
		}
		if u.Email != "" {
			keys = append(keys, KeyEmail+strings.ToLower(u.Email))
		}
	case domain.EntityProduct:
		var p domain.Product
		if json.Unmarshal(data, &p) != nil || p.Deleted {
			return nil
		}
		if p.GTIN != "" {
			keys = append(keys, KeyGTIN+p.GTIN)
		}
	}
	return keys
}
