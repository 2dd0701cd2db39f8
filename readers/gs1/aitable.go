package gs1

// aiSpec is the Application Identifier table of the GS1 General Specifications (release 25,
// cross-checked against the GS1 Barcode Syntax Dictionary), one AI or AI range per line:
//
//	AI[-AI] | flags | components | Digital Link key | data title
//
// flags: F = predefined length, no FNC1 separator needed after it (the GS1 "predefined
// length" table); Q = allowed as a GS1 Digital Link URI query attribute; "-" = neither.
//
// components: Nn / Xn / Yn / Zn are n characters, N..n and the like 1 to n characters, of
// digits (N), GS1 character set 82 (X), set 39 (Y) or base64url (Z). "[…]" marks an optional
// component; "+check" names content checks (see checks.go).
//
// Digital Link key: "pk" for a primary key without qualifiers, "pk=22,10,21/235" with the
// ordered optional qualifiers of each alternative; "-" for none.
//
// Pairing rules (req=/ex= of the syntax dictionary) are not enforced: they apply to all the
// carriers on an item together, and a single scan often shows only one of them.
const aiSpec = `
00        | FQ | N18+csum                                     | pk              | SSCC
01        | FQ | N14+csum                                     | pk=22,10,21/235 | GTIN
02        | FQ | N14+csum                                     | -               | CONTENT
03        | F  | N14+csum                                     | -               | MTO GTIN
10        | Q  | X..20                                        | -               | BATCH/LOT
11        | FQ | N6+date6z                                    | -               | PROD DATE
12        | FQ | N6+date6z                                    | -               | DUE DATE
13        | FQ | N6+date6z                                    | -               | PACK DATE
15        | FQ | N6+date6z                                    | -               | BEST BEFORE or BEST BY
16        | FQ | N6+date6z                                    | -               | SELL BY
17        | FQ | N6+date6z                                    | -               | USE BY or EXPIRY
20        | FQ | N2                                           | -               | VARIANT
21        | -  | X..20                                        | -               | SERIAL
22        | -  | X..20                                        | -               | CPV
235       | -  | X..28                                        | -               | TPX
240       | Q  | X..30                                        | -               | ADDITIONAL ID
241       | Q  | X..30                                        | -               | CUST. PART No.
242       | Q  | N..6                                         | -               | MTO VARIANT
243       | Q  | X..20                                        | -               | PCN
250       | Q  | X..30                                        | -               | SECONDARY SERIAL
251       | Q  | X..30                                        | -               | REF. TO SOURCE
253       | Q  | N13+csum [X..17]                             | pk              | GDTI
254       | -  | X..20                                        | -               | GLN EXTENSION COMPONENT
255       | Q  | N13+csum [N..12]                             | pk              | GCN
30        | Q  | N..8                                         | -               | VAR. COUNT
3100-3105 | FQ | N6                                           | -               | NET WEIGHT (kg)
3110-3115 | FQ | N6                                           | -               | LENGTH (m)
3120-3125 | FQ | N6                                           | -               | WIDTH (m)
3130-3135 | FQ | N6                                           | -               | HEIGHT (m)
3140-3145 | FQ | N6                                           | -               | AREA (m²)
3150-3155 | FQ | N6                                           | -               | NET VOLUME (l)
3160-3165 | FQ | N6                                           | -               | NET VOLUME (m³)
3200-3205 | FQ | N6                                           | -               | NET WEIGHT (lb)
3210-3215 | FQ | N6                                           | -               | LENGTH (in)
3220-3225 | FQ | N6                                           | -               | LENGTH (ft)
3230-3235 | FQ | N6                                           | -               | LENGTH (yd)
3240-3245 | FQ | N6                                           | -               | WIDTH (in)
3250-3255 | FQ | N6                                           | -               | WIDTH (ft)
3260-3265 | FQ | N6                                           | -               | WIDTH (yd)
3270-3275 | FQ | N6                                           | -               | HEIGHT (in)
3280-3285 | FQ | N6                                           | -               | HEIGHT (ft)
3290-3295 | FQ | N6                                           | -               | HEIGHT (yd)
3300-3305 | FQ | N6                                           | -               | GROSS WEIGHT (kg)
3310-3315 | FQ | N6                                           | -               | LENGTH (m), log
3320-3325 | FQ | N6                                           | -               | WIDTH (m), log
3330-3335 | FQ | N6                                           | -               | HEIGHT (m), log
3340-3345 | FQ | N6                                           | -               | AREA (m²), log
3350-3355 | FQ | N6                                           | -               | VOLUME (l), log
3360-3365 | FQ | N6                                           | -               | VOLUME (m³), log
3370-3375 | FQ | N6                                           | -               | KG PER m²
3400-3405 | FQ | N6                                           | -               | GROSS WEIGHT (lb)
3410-3415 | FQ | N6                                           | -               | LENGTH (in), log
3420-3425 | FQ | N6                                           | -               | LENGTH (ft), log
3430-3435 | FQ | N6                                           | -               | LENGTH (yd), log
3440-3445 | FQ | N6                                           | -               | WIDTH (in), log
3450-3455 | FQ | N6                                           | -               | WIDTH (ft), log
3460-3465 | FQ | N6                                           | -               | WIDTH (yd), log
3470-3475 | FQ | N6                                           | -               | HEIGHT (in), log
3480-3485 | FQ | N6                                           | -               | HEIGHT (ft), log
3490-3495 | FQ | N6                                           | -               | HEIGHT (yd), log
3500-3505 | FQ | N6                                           | -               | AREA (in²)
3510-3515 | FQ | N6                                           | -               | AREA (ft²)
3520-3525 | FQ | N6                                           | -               | AREA (yd²)
3530-3535 | FQ | N6                                           | -               | AREA (in²), log
3540-3545 | FQ | N6                                           | -               | AREA (ft²), log
3550-3555 | FQ | N6                                           | -               | AREA (yd²), log
3560-3565 | FQ | N6                                           | -               | NET WEIGHT (troy oz)
3570-3575 | FQ | N6                                           | -               | NET VOLUME (oz)
3600-3605 | FQ | N6                                           | -               | NET VOLUME (qt)
3610-3615 | FQ | N6                                           | -               | NET VOLUME (gal.)
3620-3625 | FQ | N6                                           | -               | VOLUME (qt), log
3630-3635 | FQ | N6                                           | -               | VOLUME (gal.), log
3640-3645 | FQ | N6                                           | -               | VOLUME (in³)
3650-3655 | FQ | N6                                           | -               | VOLUME (ft³)
3660-3665 | FQ | N6                                           | -               | VOLUME (yd³)
3670-3675 | FQ | N6                                           | -               | VOLUME (in³), log
3680-3685 | FQ | N6                                           | -               | VOLUME (ft³), log
3690-3695 | FQ | N6                                           | -               | VOLUME (yd³), log
37        | Q  | N..8                                         | -               | COUNT
3900-3909 | Q  | N..15                                        | -               | AMOUNT
3910-3919 | Q  | N3 N..15                                     | -               | AMOUNT
3920-3929 | Q  | N..15                                        | -               | PRICE
3930-3939 | Q  | N3 N..15                                     | -               | PRICE
3940-3943 | Q  | N4                                           | -               | PRCNT OFF
3950-3955 | Q  | N6                                           | -               | PRICE/UoM
400       | Q  | X..30                                        | -               | ORDER NUMBER
401       | Q  | X..30                                        | pk              | GINC
402       | Q  | N17+csum                                     | pk              | GSIN
403       | Q  | X..30                                        | -               | ROUTE
410       | FQ | N13+csum                                     | -               | SHIP TO LOC
411       | FQ | N13+csum                                     | -               | BILL TO
412       | FQ | N13+csum                                     | -               | PURCHASE FROM
413       | FQ | N13+csum                                     | -               | SHIP FOR LOC
414       | FQ | N13+csum                                     | pk=254/7040     | LOC No.
415       | FQ | N13+csum                                     | pk=8020         | PAY TO
416       | FQ | N13+csum                                     | -               | PROD/SERV LOC
417       | FQ | N13+csum                                     | pk=7040         | PARTY
420       | Q  | X..20                                        | -               | SHIP TO POST
421       | Q  | N3 X..9                                      | -               | SHIP TO POST
422       | Q  | N3                                           | -               | ORIGIN
423       | Q  | N3 [N3] [N3] [N3] [N3]                       | -               | COUNTRY - INITIAL PROCESS
424       | Q  | N3                                           | -               | COUNTRY - PROCESS
425       | Q  | N3 [N3] [N3] [N3] [N3]                       | -               | COUNTRY - DISASSEMBLY
426       | Q  | N3                                           | -               | COUNTRY - FULL PROCESS
427       | Q  | X..3                                         | -               | ORIGIN SUBDIVISION
4300      | Q  | X..35+pcenc                                  | -               | SHIP TO COMP
4301      | Q  | X..35+pcenc                                  | -               | SHIP TO NAME
4302      | Q  | X..70+pcenc                                  | -               | SHIP TO ADD1
4303      | Q  | X..70+pcenc                                  | -               | SHIP TO ADD2
4304      | Q  | X..70+pcenc                                  | -               | SHIP TO SUB
4305      | Q  | X..70+pcenc                                  | -               | SHIP TO LOC
4306      | Q  | X..70+pcenc                                  | -               | SHIP TO REG
4307      | Q  | X2+alpha2                                    | -               | SHIP TO COUNTRY
4308      | Q  | X..30                                        | -               | SHIP TO PHONE
4309      | Q  | N10+lat N10+lon                              | -               | SHIP TO GEO
4310      | Q  | X..35+pcenc                                  | -               | RTN TO COMP
4311      | Q  | X..35+pcenc                                  | -               | RTN TO NAME
4312      | Q  | X..70+pcenc                                  | -               | RTN TO ADD1
4313      | Q  | X..70+pcenc                                  | -               | RTN TO ADD2
4314      | Q  | X..70+pcenc                                  | -               | RTN TO SUB
4315      | Q  | X..70+pcenc                                  | -               | RTN TO LOC
4316      | Q  | X..70+pcenc                                  | -               | RTN TO REG
4317      | Q  | X2+alpha2                                    | -               | RTN TO COUNTRY
4318      | Q  | X..20                                        | -               | RTN TO POST
4319      | Q  | X..30                                        | -               | RTN TO PHONE
4320      | Q  | X..35+pcenc                                  | -               | SRV DESCRIPTION
4321      | Q  | N1+yesno                                     | -               | DANGEROUS GOODS
4322      | Q  | N1+yesno                                     | -               | AUTH TO LEAVE
4323      | Q  | N1+yesno                                     | -               | SIG REQUIRED
4324      | Q  | N6+date6z N4+hhmm                            | -               | NOT BEF DEL DT
4325      | Q  | N6+date6z N4+hhmm                            | -               | NOT AFT DEL DT
4326      | Q  | N6+date6                                     | -               | REL DATE
4330      | Q  | N6 [X1+hyphen]                               | -               | MAX TEMP F.
4331      | Q  | N6 [X1+hyphen]                               | -               | MAX TEMP C.
4332      | Q  | N6 [X1+hyphen]                               | -               | MIN TEMP F.
4333      | Q  | N6 [X1+hyphen]                               | -               | MIN TEMP C.
7001      | Q  | N13                                          | -               | NSN
7002      | Q  | X..30                                        | -               | MEAT CUT
7003      | Q  | N6+date6 N4+hhmm                             | -               | EXPIRY TIME
7004      | Q  | N..4                                         | -               | ACTIVE POTENCY
7005      | Q  | X..12                                        | -               | CATCH AREA
7006      | Q  | N6+date6                                     | -               | FIRST FREEZE DATE
7007      | Q  | N6+date6 [N6+date6]                          | -               | HARVEST DATE
7008      | Q  | X..3                                         | -               | AQUATIC SPECIES
7009      | Q  | X..10                                        | -               | FISHING GEAR TYPE
7010      | Q  | X..2                                         | -               | PROD METHOD
7011      | Q  | N6+date6 [N4+hhmm]                           | -               | TEST BY DATE
7020      | Q  | X..20                                        | -               | REFURB LOT
7021      | Q  | X..20                                        | -               | FUNC STAT
7022      | Q  | X..20                                        | -               | REV STAT
7023      | Q  | X..30                                        | -               | GIAI - ASSEMBLY
7030      | Q  | N3 X..27                                     | -               | PROCESSOR # 0
7031      | Q  | N3 X..27                                     | -               | PROCESSOR # 1
7032      | Q  | N3 X..27                                     | -               | PROCESSOR # 2
7033      | Q  | N3 X..27                                     | -               | PROCESSOR # 3
7034      | Q  | N3 X..27                                     | -               | PROCESSOR # 4
7035      | Q  | N3 X..27                                     | -               | PROCESSOR # 5
7036      | Q  | N3 X..27                                     | -               | PROCESSOR # 6
7037      | Q  | N3 X..27                                     | -               | PROCESSOR # 7
7038      | Q  | N3 X..27                                     | -               | PROCESSOR # 8
7039      | Q  | N3 X..27                                     | -               | PROCESSOR # 9
7040      | -  | N1 X1 X1 X1+impidx                           | -               | UIC+EXT
7041      | -  | X..4                                         | -               | UFRGT UNIT TYPE
710       | Q  | X..20                                        | -               | NHRN PZN
711       | Q  | X..20                                        | -               | NHRN CIP
712       | Q  | X..20                                        | -               | NHRN CN
713       | Q  | X..20                                        | -               | NHRN DRN
714       | Q  | X..20                                        | -               | NHRN AIM
715       | Q  | X..20                                        | -               | NHRN NDC
716       | Q  | X..20                                        | -               | NHRN AIC
717       | Q  | X..20                                        | -               | NHRN SRN
7230      | Q  | X2 X..28                                     | -               | CERT # 1
7231      | Q  | X2 X..28                                     | -               | CERT # 2
7232      | Q  | X2 X..28                                     | -               | CERT # 3
7233      | Q  | X2 X..28                                     | -               | CERT # 4
7234      | Q  | X2 X..28                                     | -               | CERT # 5
7235      | Q  | X2 X..28                                     | -               | CERT # 6
7236      | Q  | X2 X..28                                     | -               | CERT # 7
7237      | Q  | X2 X..28                                     | -               | CERT # 8
7238      | Q  | X2 X..28                                     | -               | CERT # 9
7239      | Q  | X2 X..28                                     | -               | CERT # 10
7240      | Q  | X..20                                        | -               | PROTOCOL
7241      | Q  | N2+media                                     | -               | AIDC MEDIA TYPE
7242      | Q  | X..25                                        | -               | VCN
7250      | Q  | N8+date8                                     | -               | DOB
7251      | Q  | N8+date8 N4+hhmm                             | -               | DOB TIME
7252      | Q  | N1+sex                                       | -               | BIO SEX
7253      | Q  | X..40+pcenc                                  | -               | FAMILY NAME
7254      | Q  | X..40+pcenc                                  | -               | GIVEN NAME
7255      | Q  | X..10                                        | -               | SUFFIX
7256      | Q  | X..90+pcenc                                  | -               | FULL NAME
7257      | Q  | X..70+pcenc                                  | -               | PERSON ADDR
7258      | Q  | X3+seq                                       | -               | BIRTH SEQUENCE
7259      | Q  | X..40+pcenc                                  | -               | BABY
8001      | Q  | N4+nonzero N5+nonzero N3+nonzero N1+winding N1 | -             | DIMENSIONS
8002      | Q  | X..20                                        | -               | CMT No.
8003      | Q  | N1+zero N13+csum [X..16]                     | pk              | GRAI
8004      | Q  | X..30                                        | pk=7040         | GIAI
8005      | Q  | N6                                           | -               | PRICE PER UNIT
8006      | Q  | N14+csum N4+piece                            | pk=22,10,21     | ITIP
8007      | Q  | X..34+iban                                   | -               | IBAN
8008      | Q  | N6+date6 N2+hh [N2+mi] [N2+ss]               | -               | PROD TIME
8009      | Q  | X..50                                        | -               | OPTSEN
8010      | Q  | Y..30                                        | pk=8011         | CPID
8011      | -  | N..12+nolead0                                | -               | CPID SERIAL
8012      | Q  | X..20                                        | -               | VERSION
8013      | Q  | X..25+csumalpha                              | pk              | GMN
8014      | -  | X..25+csumalpha+hasalpha                     | -               | MUDI
8017      | Q  | N18+csum                                     | pk=8019         | GSRN - PROVIDER
8018      | Q  | N18+csum                                     | pk=8019         | GSRN - RECIPIENT
8019      | -  | N..10                                        | -               | SRIN
8020      | -  | X..25                                        | -               | REF No.
8026      | Q  | N14+csum N4+piece                            | -               | ITIP CONTENT
8030      | Q  | Z..90                                        | -               | DIGSIG
8040      | -  | N15                                          | -               | IMEI
8041      | -  | N15                                          | -               | IMEI2
8042      | -  | N32                                          | -               | ESIM
8043      | -  | N18 [N..2]                                   | -               | PSIM
8110      | Q  | X..70                                        | -               | COUPON
8111      | Q  | N4                                           | -               | POINTS
8112      | Q  | X..70                                        | -               | PAPERLESS COUPON
8200      | -  | X..70                                        | -               | PRODUCT URL
90        | Q  | X..30                                        | -               | INTERNAL
91-99     | Q  | X..90                                        | -               | INTERNAL
`

// dlAliases are the short key names of GS1 Digital Link URI syntax 1.1 that some generators
// still write instead of the numeric AI (https://id.gs1.org/gtin/…).
var dlAliases = map[string]string{
	"sscc": "00", "gtin": "01", "lot": "10", "ser": "21", "cpv": "22", "tpx": "235",
	"gdti": "253", "glnx": "254", "gcn": "255", "ginc": "401", "gsin": "402", "gln": "414",
	"payTo": "415", "party": "417", "grai": "8003", "giai": "8004", "itip": "8006",
	"cpid": "8010", "cpsn": "8011", "gmn": "8013", "gsrnp": "8017", "gsrn": "8018",
	"srin": "8019", "refno": "8020",
}
