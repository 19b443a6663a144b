"""Duplicates of leads, in three parts:

- `matching`: the one duplicate rule (same e-mail or phone on a lead, contact or company, or a
  close company name), for one record (`find_matches`) or a batch (`find_matches_batch`);
- `groups`: Leads -> Duplicates, groups of open leads that look like the same prospect;
- `merge`: merging leads field by field, and undoing a merge.
"""

from crm_app.services.duplicates.groups import (
    GROUP_PAGE_SIZES,
    MAX_KEY_LEADS,
    REASONS,
    DuplicateGroup,
    GroupLead,
    GroupReason,
    duplicate_group_ids,
    duplicate_groups,
)
from crm_app.services.duplicates.matching import (
    COMPANY_SCORE,
    MAX_MATCHES,
    POLICY_REASONS,
    Candidate,
    CompanyNames,
    Match,
    candidate,
    find_matches,
    find_matches_batch,
    match_json,
    policy_target,
)
from crm_app.services.duplicates.merge import (
    _SNAPSHOT_FIELDS,
    LIST_FIELDS,
    MAX_MERGE,
    MERGE_FIELDS,
    SCALAR_FIELDS,
    MergeCandidate,
    MergeSummary,
    can_undo,
    merge_candidates,
    merge_leads,
    recent_merges,
    undo_merge,
)

__all__ = [
    "COMPANY_SCORE",
    "GROUP_PAGE_SIZES",
    "LIST_FIELDS",
    "MAX_KEY_LEADS",
    "MAX_MATCHES",
    "MAX_MERGE",
    "MERGE_FIELDS",
    "POLICY_REASONS",
    "REASONS",
    "SCALAR_FIELDS",
    "_SNAPSHOT_FIELDS",
    "Candidate",
    "CompanyNames",
    "DuplicateGroup",
    "GroupLead",
    "GroupReason",
    "Match",
    "MergeCandidate",
    "MergeSummary",
    "can_undo",
    "candidate",
    "duplicate_group_ids",
    "duplicate_groups",
    "find_matches",
    "find_matches_batch",
    "match_json",
    "merge_candidates",
    "merge_leads",
    "policy_target",
    "recent_merges",
    "undo_merge",
]
