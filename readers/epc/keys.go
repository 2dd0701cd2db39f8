package epc

// GS1 returns the GS1 element strings the EPC stands for, keyed by Application Identifier:
// SGTIN → (01) GTIN and (21) serial, SSCC → (00), GRAI → (8003), GIAI → (8004). GID has no
// GS1 equivalent and returns nil. The result has the shape of the /v1/resolve "gs1" object.
func (e EPC) GS1() map[string]string {
	switch e.Scheme {
	case SGTIN96, SGTIN198:
		return map[string]string{"01": e.GTIN, "21": e.Serial}
	case SSCC96:
		body := e.SerialReference[:1] + e.CompanyPrefix + e.SerialReference[1:]
		return map[string]string{"00": body + string(rune('0'+checkDigit(body)))}
	case GRAI96, GRAI170:
		body := e.CompanyPrefix + e.AssetType
		return map[string]string{"8003": "0" + body + string(rune('0'+checkDigit(body))) + e.Serial}
	case GIAI96, GIAI202:
		return map[string]string{"8004": e.CompanyPrefix + e.AssetReference}
	}
	return nil
}
