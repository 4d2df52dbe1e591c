package corpus

import (
	"reflect"
	"testing"
)

func TestTerms(t *testing.T) {
	tests := []struct {
		in   string
		want []string
	}{
		{"Negotiations between Russia's leaders", []string{"negoti", "russia", "leader"}},
		{"They negotiate.", []string{"negoti"}},
		{"The $2.6 billion aid package", []string{"2", "6", "billion", "aid", "packag"}},
		{"", nil},
		{"Why won't they publish it? It doesn't matter", []string{"publish", "matter"}},
		{"U.S. negotiators and the U.K.", []string{"us", "negoti", "uk"}},
		{"Alexander V. Khrushchev", []string{"alexand", "khrushchev"}},
		{"a I the", nil},
		{"Zelenskyy — Зеленский", []string{"zelenskyy", "зеленский"}},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			got := Terms(tt.in)
			if !reflect.DeepEqual(got, tt.want) {
				t.Errorf("Terms(%q) = %q, want %q", tt.in, got, tt.want)
			}
		})
	}
}
