"""CSV import and export of leads, in five parts:

- `upload`: uploaded files (a private folder, the 50 MB limit) and reading them as CSV;
- `mapping`: which column feeds which lead field (Bitrix24's headers recognised);
- `rows`: one row read, resolved and validated (no writes);
- `run`: jobs, batches, the duplicate policy, writing through `leads.create_leads`;
- `values`: the value mapping of list columns (status, source, responsible, currency);
- `report`: the summary's grouped reasons and warnings;
- `export`: the failed rows and every lead as CSV;
- `history`: past imports, and undoing one.
"""

from crm_app.services.lead_import.export import ERROR_COLUMN, export_leads, failed_rows_csv
from crm_app.services.lead_import.history import (
    ImportRow,
    LeadRef,
    UndoPreview,
    UndoResult,
    list_imports,
    mark_interrupted,
    undo_import,
    undo_preview,
)
from crm_app.services.lead_import.mapping import (
    EXPORT_COLUMNS,
    FIELDS,
    FIELDS_BY_KEY,
    IGNORE,
    ImportField,
    auto_map,
    clean_mapping,
    match_header,
)
from crm_app.services.lead_import.report import failure_reasons, warning_lines
from crm_app.services.lead_import.rows import REF_FIELDS as VALUE_FIELDS
from crm_app.services.lead_import.rows import _parse_row, _Refs, _SettingsCache
from crm_app.services.lead_import.run import (
    BATCH_SIZE,
    POLICIES,
    ImportSummary,
    create_job,
    get_job,
    run_import,
)
from crm_app.services.lead_import.upload import (
    MAX_FILE_BYTES,
    CsvFile,
    ImportFileError,
    open_csv,
    remove_upload,
    store_upload,
    upload_dir,
)

__all__ = [
    "BATCH_SIZE",
    "ERROR_COLUMN",
    "EXPORT_COLUMNS",
    "FIELDS",
    "FIELDS_BY_KEY",
    "IGNORE",
    "MAX_FILE_BYTES",
    "POLICIES",
    "VALUE_FIELDS",
    "CsvFile",
    "ImportField",
    "ImportFileError",
    "ImportRow",
    "ImportSummary",
    "LeadRef",
    "UndoPreview",
    "UndoResult",
    "_Refs",
    "_SettingsCache",
    "_parse_row",
    "auto_map",
    "clean_mapping",
    "create_job",
    "export_leads",
    "failed_rows_csv",
    "failure_reasons",
    "get_job",
    "list_imports",
    "mark_interrupted",
    "match_header",
    "open_csv",
    "remove_upload",
    "run_import",
    "store_upload",
    "undo_import",
    "undo_preview",
    "upload_dir",
    "warning_lines",
]
