package dev.saescope.aggregator.report;

import dev.saescope.aggregator.e1.E1Tables;
import dev.saescope.aggregator.e2.E2aTables;
import dev.saescope.aggregator.e2.E2bTables;
import dev.saescope.aggregator.e2.E2cTables;
import dev.saescope.aggregator.e3.E3Tables;
import java.util.List;

/** The report's tables by file name, in the order the files and the page list them. */
final class ReportTables {
  private ReportTables() {}

  /**
   * One table: rows of one record type.
   *
   * @param name the file's base name
   * @param title what the page calls it
   * @param rowType the rows' record class (for the CSV header of an empty table)
   * @param rows the rows
   */
  record Table(String name, String title, Class<? extends Record> rowType, List<?> rows) {}

  static List<Table> of(RunReport r) {
    return List.of(
        new Table("e1_drift", "E1a drift", E1Tables.DriftRow.class, r.e1().drift()),
        new Table(
            "e1_context", "E1b context sensitivity", E1Tables.ContextRow.class, r.e1().context()),
        new Table("e1_lens", "E1c logit lens", E1Tables.LensRow.class, r.e1().lens()),
        new Table("e1_commit", "E1c commit layer", E1Tables.CommitRow.class, r.e1().commit()),
        new Table("e2a", "E2a distances", E2aTables.E2aRow.class, r.e2a().rows()),
        new Table(
            "e2a_lexical", "E2a lexical baseline", E2aTables.LexicalRow.class, r.e2a().lexical()),
        new Table("e2b_auroc", "E2b AUROC", E2bTables.AurocRow.class, r.e2b().auroc()),
        new Table("e2b_gold", "E2b gold token accuracy", E2bTables.GoldRow.class, r.e2b().gold()),
        new Table("e2c", "E2c future tokens", E2cTables.E2cRow.class, r.e2c().rows()),
        new Table(
            "e3b",
            "E3b target correspondence",
            E3Tables.CorrespondenceRow.class,
            r.e3().correspondence()));
  }
}
