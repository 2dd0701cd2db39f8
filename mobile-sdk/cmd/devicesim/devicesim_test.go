package main

import (
	"io"
	"testing"
	"time"
)

func TestPhaseOfPercentiles(t *testing.T) {
	var lat []time.Duration
	for i := 100; i >= 1; i-- { // unsorted on purpose
		lat = append(lat, time.Duration(i)*time.Millisecond)
	}
	ph := phaseOf(lat, 2*time.Second, 1000)
	if ph.P50 != "51ms" || ph.P99 != "100ms" || ph.Max != "100ms" || ph.OpsPerSec != 500 {
		t.Errorf("phaseOf(1..100 ms, 2 s, 1000 ops) = %+v, want p50 51ms, p99 100ms, max 100ms, 500 ops/s", ph)
	}
	if ph := phaseOf(nil, 0, 0); ph.P50 != "0s" || ph.OpsPerSec != 0 {
		t.Errorf("phaseOf(nothing) = %+v, want zeros", ph)
	}
}

func TestParseFlags(t *testing.T) {
	tests := []struct {
		name    string
		args    []string
		wantErr bool
		devices int
		par     int
	}{
		{"defaults", nil, false, 10, 10},
		{"parallel capped by devices", []string{"-devices", "3", "-parallel", "50"}, false, 3, 3},
		{"no devices", []string{"-devices", "0"}, true, 0, 0},
		{"pickers over 100", []string{"-pickers", "120"}, true, 0, 0},
		{"unknown flag", []string{"-nope"}, true, 0, 0},
	}
	for _, tt := range tests {
		cfg, err := parse(tt.args, io.Discard)
		if (err != nil) != tt.wantErr {
			t.Errorf("%s: parse(%v) error = %v, want error %v", tt.name, tt.args, err, tt.wantErr)
			continue
		}
		if err == nil && (cfg.devices != tt.devices || cfg.parallel != tt.par) {
			t.Errorf("%s: parse(%v) = %d devices, %d parallel; want %d, %d", tt.name, tt.args, cfg.devices, cfg.parallel, tt.devices, tt.par)
		}
	}
}
