package pgstore

import (
	"fmt"
	"regexp"
	"strings"

	"github.com/jackc/pgx/v5"

	"github.com/hidemont/spkit/retention"
)

// Target is a table whose columns the store clears, in the same transaction
// and with one set-based UPDATE per batch, when it purges records. A row
// matches a purged record when its seller and order columns equal the
// record's seller and order IDs.
type Target struct {
	// Table is the table name, optionally qualified by a schema
	// ("orders" or "erp.orders").
	Table string
	// SellerColumn is the column holding the seller ID. Default "seller_id".
	SellerColumn string
	// OrderColumn is the column holding the order ID. Default "order_id".
	OrderColumn string
	// Columns lists, per class, the columns set to NULL when a record of
	// that class is purged. They must be nullable.
	Columns map[retention.Class][]string
}

// identPattern is the form of an unquoted PostgreSQL identifier. Names are
// checked against it, then quoted, so that no configured name can change a
// statement.
var identPattern = regexp.MustCompile(`^[a-z_][a-z0-9_]{0,62}$`)

// ConfigError reports an invalid store option.
type ConfigError struct {
	Field  string
	Value  string
	Reason string
}

func (e *ConfigError) Error() string {
	return fmt.Sprintf("pgstore: invalid %s %q: %s", e.Field, e.Value, e.Reason)
}

func checkIdent(field, v string) error {
	if !identPattern.MatchString(v) {
		return &ConfigError{Field: field, Value: v, Reason: "must match [a-z_][a-z0-9_]{0,62}"}
	}
	return nil
}

// compiledTarget holds a target's quoted names.
type compiledTarget struct {
	table         string
	seller, order string
	sets          map[retention.Class]string // "a" = NULL, "b" = NULL
}

func compileTarget(t Target) (compiledTarget, error) {
	parts := strings.Split(t.Table, ".")
	if len(parts) > 2 {
		return compiledTarget{}, &ConfigError{Field: "Target.Table", Value: t.Table, Reason: "use table or schema.table"}
	}
	for _, p := range parts {
		if err := checkIdent("Target.Table", p); err != nil {
			return compiledTarget{}, err
		}
	}
	if t.SellerColumn == "" {
		t.SellerColumn = "seller_id"
	}
	if t.OrderColumn == "" {
		t.OrderColumn = "order_id"
	}
	if err := checkIdent("Target.SellerColumn", t.SellerColumn); err != nil {
		return compiledTarget{}, err
	}
	if err := checkIdent("Target.OrderColumn", t.OrderColumn); err != nil {
		return compiledTarget{}, err
	}
	if len(t.Columns) == 0 {
		return compiledTarget{}, &ConfigError{Field: "Target.Columns", Value: t.Table, Reason: "no columns to clear"}
	}

	ct := compiledTarget{
		table:  pgx.Identifier(parts).Sanitize(),
		seller: pgx.Identifier{t.SellerColumn}.Sanitize(),
		order:  pgx.Identifier{t.OrderColumn}.Sanitize(),
		sets:   make(map[retention.Class]string),
	}
	for c, cols := range t.Columns {
		if !c.Valid() {
			return compiledTarget{}, &ConfigError{Field: "Target.Columns", Value: string(c), Reason: "unknown class"}
		}
		if len(cols) == 0 {
			return compiledTarget{}, &ConfigError{Field: "Target.Columns", Value: string(c), Reason: "empty column list"}
		}
		sets := make([]string, len(cols))
		for i, col := range cols {
			if err := checkIdent("Target.Columns", col); err != nil {
				return compiledTarget{}, err
			}
			if col == t.SellerColumn || col == t.OrderColumn {
				return compiledTarget{}, &ConfigError{Field: "Target.Columns", Value: col, Reason: "is a key column"}
			}
			sets[i] = pgx.Identifier{col}.Sanitize() + " = NULL"
		}
		ct.sets[c] = strings.Join(sets, ", ")
	}
	return ct, nil
}
