package piitest

import (
	"reflect"
	"unsafe"
)

// nesting places a value somewhere a printer or encoder will find it.
type nesting struct {
	name string
	// visible reports whether encoders and printers can call the value's
	// methods in this position, so the placeholder must appear.
	visible bool
	wrap    func(v reflect.Value) any
	// field names the exported struct field holding the value, for template
	// field access; empty when there is none.
	field string
}

// The struct fields below carry tags so every encoder uses the same names.
const (
	exportedField = "Secret"
	idField       = "ID"
	idValue       = "order-1"
	piitestPath   = "github.com/hidemont/spkit/pii/piitest"
)

var stringType = reflect.TypeFor[string]()

func nestings() []nesting {
	return []nesting{
		{name: "alone", visible: true, wrap: func(v reflect.Value) any { return v.Interface() }},
		{name: "pointer", visible: true, wrap: func(v reflect.Value) any {
			p := reflect.New(v.Type())
			p.Elem().Set(v)
			return p.Interface()
		}},
		{name: "exported field", visible: true, field: exportedField, wrap: func(v reflect.Value) any {
			return structWith(v, reflect.StructField{Name: exportedField, Type: v.Type(), Tag: `json:"secret" yaml:"secret" xml:"secret"`})
		}},
		{name: "unexported field", wrap: func(v reflect.Value) any {
			return structWith(v, reflect.StructField{Name: "secret", PkgPath: piitestPath, Type: v.Type()})
		}},
		{name: "slice element", visible: true, wrap: func(v reflect.Value) any {
			s := reflect.MakeSlice(reflect.SliceOf(v.Type()), 1, 1)
			s.Index(0).Set(v)
			return s.Interface()
		}},
		{name: "map value", visible: true, wrap: func(v reflect.Value) any {
			m := reflect.MakeMap(reflect.MapOf(stringType, v.Type()))
			m.SetMapIndex(reflect.ValueOf("key"), v)
			return m.Interface()
		}},
		{name: "any field", visible: true, field: exportedField, wrap: func(v reflect.Value) any {
			holder := struct {
				ID     string `json:"id" yaml:"id" xml:"id"`
				Secret any    `json:"secret" yaml:"secret" xml:"secret"`
			}{idValue, v.Interface()}
			return holder
		}},
	}
}

// structWith returns a new struct value with an ID field and the given field
// set to v. Unexported fields are set through unsafe, as a package's own code
// would set them.
func structWith(v reflect.Value, f reflect.StructField) any {
	t := reflect.StructOf([]reflect.StructField{
		{Name: idField, Type: stringType, Tag: `json:"id" yaml:"id" xml:"id"`},
		f,
	})
	s := reflect.New(t).Elem()
	s.Field(0).SetString(idValue)
	field := s.Field(1)
	if !field.CanSet() {
		field = reflect.NewAt(field.Type(), unsafe.Pointer(field.UnsafeAddr())).Elem()
	}
	field.Set(v)
	return s.Interface()
}
