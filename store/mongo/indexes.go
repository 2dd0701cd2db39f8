package mongo

import (
	"context"
	"strings"

	"go.mongodb.org/mongo-driver/v2/bson"
	mongodrv "go.mongodb.org/mongo-driver/v2/mongo"
)

// indexPlan lists the secondary indexes one part of the store needs, per collection.
type indexPlan []struct {
	c      *mongodrv.Collection
	models []mongodrv.IndexModel
}

// ascending is an index on keys, each ascending.
func ascending(keys ...string) mongodrv.IndexModel {
	d := make(bson.D, len(keys))
	for i, k := range keys {
		d[i] = bson.E{Key: k, Value: 1}
	}
	return mongodrv.IndexModel{Keys: d}
}

// ensureIndexes creates the indexes of plan that do not exist yet, one at a time: FerretDB
// v1.24 drops the connection when one createIndexes command names indexes that all exist
// already, which made a restart fail. Calling it again is harmless.
func ensureIndexes(ctx context.Context, plan indexPlan) error {
	for _, p := range plan {
		specs, err := p.c.Indexes().ListSpecifications(ctx)
		if err != nil {
			return driverErr("list indexes of "+p.c.Name(), err)
		}
		have := make(map[string]bool, len(specs))
		for _, s := range specs {
			have[s.Name] = true
		}
		for _, m := range p.models {
			if have[indexName(m.Keys.(bson.D))] {
				continue
			}
			if _, err := p.c.Indexes().CreateOne(ctx, m); err != nil {
				return driverErr("create indexes on "+p.c.Name(), err)
			}
		}
	}
	return nil
}

// indexName is the name MongoDB gives an index of ascending keys: "a_1_b_1".
func indexName(keys bson.D) string {
	parts := make([]string, len(keys))
	for i, k := range keys {
		parts[i] = k.Key + "_1"
	}
	return strings.Join(parts, "_")
}
