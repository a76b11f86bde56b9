package audit

import (
	"context"
	"fmt"
	"log/slog"
	"reflect"
	"strconv"
	"sync"
	"unsafe"

	"github.com/hidemont/spkit/pii"
)

// RedactingHandler wraps a slog.Handler and replaces personal data in every
// attribute before passing the record on. It finds pii values at the top
// level, in groups, in attributes added with Logger.With, and nested in
// structs, pointers, slices, arrays, maps and interfaces. That includes
// unexported struct fields, which fmt prints raw. It also replaces types of
// package pii that hold clear text, such as pii.AddressParts.
//
// A pii value becomes its placeholder, such as "[pii:address]"; another clear
// text type of package pii becomes "[pii:redacted]". A value that holds
// personal data is rebuilt as a group, one attribute per struct field, slice
// index or map key, so the wrapped handler prints its parts without calling
// its String, Error or MarshalJSON methods. Values without personal data are
// passed on unchanged. Nested slog.LogValuer values are resolved first.
//
// Limits: nesting deeper than 16 levels, and slices or maps past 256
// elements, are cut and replaced by "[pii:redacted]" when they may hold
// personal data. The record's message is passed as is: write messages as
// constants and put values in attributes.
type RedactingHandler struct {
	next slog.Handler
}

// NewRedactingHandler returns a handler that redacts personal data and then
// passes records to next.
func NewRedactingHandler(next slog.Handler) *RedactingHandler {
	return &RedactingHandler{next: next}
}

// Enabled reports whether the wrapped handler handles records at level.
func (h *RedactingHandler) Enabled(ctx context.Context, level slog.Level) bool {
	return h.next.Enabled(ctx, level)
}

// Handle redacts the record's attributes and passes it on.
func (h *RedactingHandler) Handle(ctx context.Context, r slog.Record) error {
	out := slog.NewRecord(r.Time, r.Level, r.Message, r.PC)
	r.Attrs(func(a slog.Attr) bool {
		out.AddAttrs(redactAttr(a, 0))
		return true
	})
	return h.next.Handle(ctx, out)
}

// WithAttrs redacts attrs and returns a handler whose wrapped handler has
// them.
func (h *RedactingHandler) WithAttrs(attrs []slog.Attr) slog.Handler {
	red := make([]slog.Attr, len(attrs))
	for i, a := range attrs {
		red[i] = redactAttr(a, 0)
	}
	return &RedactingHandler{next: h.next.WithAttrs(red)}
}

// WithGroup returns a handler whose wrapped handler opens the group.
func (h *RedactingHandler) WithGroup(name string) slog.Handler {
	return &RedactingHandler{next: h.next.WithGroup(name)}
}

const (
	redactMaxDepth = 16
	redactMaxItems = 256
	redactedText   = "[pii:redacted]"
)

func redactAttr(a slog.Attr, depth int) slog.Attr {
	return slog.Attr{Key: a.Key, Value: redactValue(a.Value, depth)}
}

func redactValue(v slog.Value, depth int) slog.Value {
	if depth > redactMaxDepth {
		return slog.StringValue(redactedText)
	}
	switch v.Kind() {
	case slog.KindGroup:
		attrs := v.Group()
		out := make([]slog.Attr, len(attrs))
		for i, a := range attrs {
			out[i] = redactAttr(a, depth+1)
		}
		return slog.GroupValue(out...)
	case slog.KindLogValuer:
		return redactValue(v.Resolve(), depth+1)
	case slog.KindAny:
		return redactReflect(reflect.ValueOf(v.Any()), depth)
	default:
		return v
	}
}

var (
	piiValueType  = reflect.TypeFor[pii.Value]()
	logValuerType = reflect.TypeFor[slog.LogValuer]()
	piiPkgPath    = piiValueType.PkgPath()
)

// safePIITypes are the types of package pii that hold no clear personal data.
var safePIITypes = map[string]bool{
	"Kind": true, "Purpose": true, "Binding": true, "Actor": true, "Subject": true,
	"Access": true, "Envelope": true, "BlindIndex": true, "Policy": true,
	"ValueError": true, "EncodingError": true, "RevealError": true,
}

// piiPlaceholder returns the text that replaces a value of type t, and
// whether t is personal data.
func piiPlaceholder(t reflect.Type) (string, bool) {
	if t.Kind() == reflect.Pointer || t.Kind() == reflect.Interface {
		// Pointers are followed to their element; interfaces to their
		// dynamic value.
		return "", false
	}
	if t.Implements(piiValueType) {
		if k, ok := reflect.Zero(t).Interface().(pii.Value); ok {
			return "[pii:" + string(k.Kind()) + "]", true
		}
		return redactedText, true
	}
	if t.PkgPath() == piiPkgPath && !safePIITypes[t.Name()] {
		return redactedText, true
	}
	return "", false
}

// exposure is the way, if any, in which values of a type can hold personal
// data.
type exposure uint8

const (
	exposureNone  exposure = iota // never
	exposureMaybe                 // only through an interface: look at the value
	exposureYes                   // through a static field, element or the type itself
)

var exposureCache sync.Map // reflect.Type -> exposure

func typeExposure(t reflect.Type) exposure {
	if e, ok := exposureCache.Load(t); ok {
		return e.(exposure)
	}
	// Recursive types see themselves as exposureYes while being computed,
	// which errs toward redacting.
	exposureCache.Store(t, exposureYes)
	e := computeExposure(t)
	exposureCache.Store(t, e)
	return e
}

func computeExposure(t reflect.Type) exposure {
	if _, ok := piiPlaceholder(t); ok {
		return exposureYes
	}
	if t.Implements(logValuerType) {
		return exposureMaybe
	}
	switch t.Kind() {
	case reflect.Interface:
		return exposureMaybe
	case reflect.Pointer, reflect.Slice, reflect.Array:
		return typeExposure(t.Elem())
	case reflect.Map:
		return max(typeExposure(t.Key()), typeExposure(t.Elem()))
	case reflect.Struct:
		e := exposureNone
		for i := range t.NumField() {
			e = max(e, typeExposure(t.Field(i).Type))
			if e == exposureYes {
				break
			}
		}
		return e
	default:
		return exposureNone
	}
}

// holdsPII reports whether v holds personal data, looking into interface
// values. Past the limits it returns true.
func holdsPII(v reflect.Value, depth int) bool {
	if !v.IsValid() {
		return false
	}
	switch typeExposure(v.Type()) {
	case exposureNone:
		return false
	case exposureYes:
		return true
	}
	if depth > redactMaxDepth {
		return true
	}
	v = readable(v)
	if v.Type().Implements(logValuerType) && v.Kind() != reflect.Interface {
		if v.Kind() == reflect.Pointer && v.IsNil() {
			return false
		}
		return true
	}
	switch v.Kind() {
	case reflect.Interface, reflect.Pointer:
		return !v.IsNil() && holdsPII(v.Elem(), depth+1)
	case reflect.Slice, reflect.Array:
		if v.Len() > redactMaxItems {
			return true
		}
		for i := range v.Len() {
			if holdsPII(v.Index(i), depth+1) {
				return true
			}
		}
	case reflect.Map:
		if v.Len() > redactMaxItems {
			return true
		}
		it := v.MapRange()
		for it.Next() {
			if holdsPII(it.Key(), depth+1) || holdsPII(it.Value(), depth+1) {
				return true
			}
		}
	case reflect.Struct:
		for i := range v.NumField() {
			if holdsPII(v.Field(i), depth+1) {
				return true
			}
		}
	}
	return false
}

// redactReflect returns v as a slog.Value with personal data replaced.
func redactReflect(v reflect.Value, depth int) slog.Value {
	if !v.IsValid() {
		return slog.AnyValue(nil)
	}
	if !holdsPII(v, depth) {
		return slog.AnyValue(readable(v).Interface())
	}
	if depth > redactMaxDepth {
		return slog.StringValue(redactedText)
	}
	v = readable(v)
	t := v.Type()
	if text, ok := piiPlaceholder(t); ok {
		return slog.StringValue(text)
	}
	if t.Implements(logValuerType) && !(t.Kind() == reflect.Pointer && v.IsNil()) {
		return redactValue(slog.AnyValue(v.Interface()).Resolve(), depth+1)
	}

	switch v.Kind() {
	case reflect.Interface, reflect.Pointer:
		if v.IsNil() {
			return slog.AnyValue(nil)
		}
		return redactReflect(v.Elem(), depth+1)
	case reflect.Struct:
		attrs := make([]slog.Attr, 0, v.NumField())
		for i := range v.NumField() {
			attrs = append(attrs, slog.Attr{Key: t.Field(i).Name, Value: redactReflect(v.Field(i), depth+1)})
		}
		return slog.GroupValue(attrs...)
	case reflect.Slice, reflect.Array:
		n := min(v.Len(), redactMaxItems)
		attrs := make([]slog.Attr, 0, n+1)
		for i := range n {
			attrs = append(attrs, slog.Attr{Key: strconv.Itoa(i), Value: redactReflect(v.Index(i), depth+1)})
		}
		if v.Len() > n {
			attrs = append(attrs, slog.String("more", redactedText))
		}
		return slog.GroupValue(attrs...)
	case reflect.Map:
		attrs := make([]slog.Attr, 0, min(v.Len(), redactMaxItems)+1)
		it := v.MapRange()
		for i := 0; it.Next(); i++ {
			if i == redactMaxItems {
				attrs = append(attrs, slog.String("more", redactedText))
				break
			}
			key := redactReflect(it.Key(), depth+1)
			keyText := key.String()
			if key.Kind() == slog.KindString && keyText == redactedText || len(keyText) > 5 && keyText[:5] == "[pii:" {
				// Redacted keys would collide; number them.
				keyText += "#" + strconv.Itoa(i)
			}
			attrs = append(attrs, slog.Attr{Key: keyText, Value: redactReflect(it.Value(), depth+1)})
		}
		return slog.GroupValue(attrs...)
	default:
		return slog.StringValue(fmt.Sprint(readable(v).Interface()))
	}
}

// readable returns v in a form whose Interface method works, copying it
// out of an unexported struct field when needed. The copy lets the handler
// hand values without personal data, such as a time.Time in an unexported
// field, to the wrapped handler unchanged.
func readable(v reflect.Value) reflect.Value {
	if v.CanInterface() {
		return v
	}
	if v.CanAddr() {
		return reflect.NewAt(v.Type(), unsafe.Pointer(v.UnsafeAddr())).Elem()
	}
	// Copy the value into addressable memory first. Set is not allowed for a
	// value read through an unexported field, so copy its bytes.
	c := reflect.New(v.Type()).Elem()
	copyUnexported(c, v)
	return c
}

// copyUnexported copies src, which came through an unexported field, into
// the addressable dst of the same type.
func copyUnexported(dst, src reflect.Value) {
	switch src.Kind() {
	case reflect.Bool:
		dst.SetBool(src.Bool())
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
		dst.SetInt(src.Int())
	case reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64, reflect.Uintptr:
		dst.SetUint(src.Uint())
	case reflect.Float32, reflect.Float64:
		dst.SetFloat(src.Float())
	case reflect.Complex64, reflect.Complex128:
		dst.SetComplex(src.Complex())
	case reflect.String:
		dst.SetString(src.String())
	case reflect.Pointer, reflect.UnsafePointer:
		dst.Set(reflect.NewAt(src.Type().Elem(), src.UnsafePointer()))
	case reflect.Struct:
		for i := range src.NumField() {
			copyUnexported(readable(dst.Field(i)), src.Field(i))
		}
	case reflect.Array:
		for i := range src.Len() {
			copyUnexported(dst.Index(i), src.Index(i))
		}
	case reflect.Slice:
		if !src.IsNil() {
			dst.Set(reflect.MakeSlice(src.Type(), src.Len(), src.Len()))
			for i := range src.Len() {
				copyUnexported(dst.Index(i), src.Index(i))
			}
		}
	case reflect.Map:
		if !src.IsNil() {
			m := reflect.MakeMapWithSize(src.Type(), src.Len())
			it := src.MapRange()
			for it.Next() {
				k := reflect.New(src.Type().Key()).Elem()
				e := reflect.New(src.Type().Elem()).Elem()
				copyUnexported(k, it.Key())
				copyUnexported(e, it.Value())
				m.SetMapIndex(k, e)
			}
			dst.Set(m)
		}
	case reflect.Interface:
		if !src.IsNil() {
			e := reflect.New(src.Elem().Type()).Elem()
			copyUnexported(e, src.Elem())
			dst.Set(e)
		}
	}
	// Chan and Func values stay zero: they hold no data to print.
}

var _ slog.Handler = (*RedactingHandler)(nil)
