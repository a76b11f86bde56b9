// Package reports calls the Reports API for one seller and parses the V2
// settlement flat file.
//
// # Settlement reports
//
// Amazon generates settlement reports (GET_V2_SETTLEMENT_REPORT_DATA_FLAT_FILE_V2)
// on its own schedule and rejects createReport for them, so
// [Client.CreateReport] refuses that type locally and
// [Client.SettlementReports] lists them with getReports, filtered by
// marketplace. Amazon keeps reports for 90 days, so list them at least that
// often. getReports pages send nextToken as their only parameter.
//
// [SettlementReader] reads a settlement file row by row into typed rows:
// amounts as exact hundredths ([Amount]), dates in UTC, columns found by
// name. It reads in constant memory; BenchmarkSettlement compares its
// throughput with encoding/csv reading the same 50 MB synthetic file.
//
// # Documents
//
// [Client.OpenReportDocument] downloads a report document, gunzips it when
// it is compressed (and only once, when the transport already did), and
// fetches a fresh URL once when the 5-minute URL has expired.
package reports
