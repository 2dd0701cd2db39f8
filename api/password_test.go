package api

import (
	"strings"
	"testing"
)

func TestPasswordHashing(t *testing.T) {
	h, err := HashPassword("correct horse battery staple")
	if err != nil {
		t.Fatalf("HashPassword: %v", err)
	}
	if !strings.HasPrefix(h, "$argon2id$v=19$m=19456,t=2,p=1$") {
		t.Errorf("HashPassword = %q, want a PHC argon2id string", h)
	}
	h2, _ := HashPassword("correct horse battery staple")
	if h == h2 {
		t.Error("two hashes of one password are equal; the salt is not random")
	}
	tests := []struct {
		name, hash, pw string
		want           bool
		wantErr        bool
	}{
		{"right password", h, "correct horse battery staple", true, false},
		{"wrong password", h, "correct horse battery stapler", false, false},
		{"empty password", h, "", false, false},
		{"not PHC", "plaintext", "plaintext", false, true},
		{"bcrypt", "$2a$10$abcdefghijklmnopqrstuu", "x", false, true},
		{"bad params", "$argon2id$v=19$m=x,t=2,p=1$c2FsdA$aGFzaA", "x", false, true},
		{"huge memory", "$argon2id$v=19$m=99999999,t=2,p=1$c2FsdA$aGFzaA", "x", false, true},
		{"empty", "", "", false, true},
	}
	for _, tt := range tests {
		got, err := CheckPassword(tt.hash, tt.pw)
		if got != tt.want || (err != nil) != tt.wantErr {
			t.Errorf("%s: CheckPassword(%q, %q) = %v, %v; want %v, error %v", tt.name, tt.hash, tt.pw, got, err, tt.want, tt.wantErr)
		}
	}
}
