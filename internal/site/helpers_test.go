package site_test

import "strconv"

func strconvI(n int64) string { return strconv.FormatInt(n, 10) }
