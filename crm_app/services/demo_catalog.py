"""What the demo data set is made of: its team, products, texts and sizes, and the deal line
total it gives its deals (split from demo_data, which builds the records)."""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal

from crm_app.models import Role
from crm_app.services.seed_common import INDUSTRIES

CENT = Decimal("0.01")


def line_total(
    quantity: Decimal,
    unit_price: Decimal,
    *,
    discount_percent: Decimal,
    tax_rate: Decimal,
    tax_included: bool,
) -> Decimal:
    """A deal line's total with tax.

    Only used to give demo deals a consistent amount; the deals service owns the real rule.
    """
    net = quantity * unit_price * (1 - discount_percent / 100)
    if not tax_included:
        net *= 1 + tax_rate / 100
    return net.quantize(CENT, rounding=ROUND_HALF_UP)


DEMO_DOMAIN = "demo-crm.example.com"
DEMO_ADMIN = (Role.ADMIN, "Alex Morgan", "alex.morgan")
DEMO_TEAM = [
    (Role.MANAGER, "Claire Dubois", "claire.dubois"),
    (Role.SALES, "Tom Baker", "tom.baker"),
    (Role.SALES, "Léa Martin", "lea.martin"),
    (Role.SALES, "Sam Carter", "sam.carter"),
]
# name, sku, price (EUR), tax rate %, unit
DEMO_PRODUCTS = [
    ("CRM licence, 1 seat / year", "LIC-SEAT-Y", "490.00", "20", "seat"),
    ("Onboarding workshop (1 day)", "SRV-ONB-1D", "1200.00", "20", "day"),
    ("Data migration package", "SRV-MIG", "2500.00", "20", "pcs"),
    ("Premium support, 1 year", "SUP-PREM-Y", "1800.00", "20", "pcs"),
    ("Custom report development", "SRV-REP-H", "95.00", "20", "h"),
    ("Consulting day", "SRV-CONS-D", "850.00", "20", "day"),
    ("User training (half day)", "SRV-TRN-HD", "450.00", "20", "pcs"),
    ("API integration", "SRV-API", "3200.00", "20", "pcs"),
    ("VoIP headset", "HW-HEADSET", "129.00", "20", "pcs"),
    ("Barcode scanner", "HW-SCAN", "249.00", "20", "pcs"),
]
DEMO_INTERESTS = [
    "CRM licences for the sales team",
    "Support contract renewal",
    "Data migration from spreadsheets",
    "Training for new staff",
    "Integration with the web shop",
    "Custom sales reports",
    "Hardware for the call centre",
    "Quote request from the website",
]
DEMO_COMMENTS = [
    "Asked for a discount on 20 seats; waiting for the budget decision.",
    "Prefers to be called in the morning.",
    "Sent the case study about the logistics customer.",
    "Decision maker is the CFO, meeting planned next month.",
    "Current tool contract ends in June.",
    "Interested in the API for their ERP.",
    "Will compare with two competitors.",
    "Very happy with the onboarding so far.",
]
DEMO_INDUSTRIES = INDUSTRIES
# Fictional number ranges: ARCEP's numbers reserved for fiction, and the US 555-01xx block.
_FR_FICTION = ["199 00", "261 91", "353 01", "465 71", "536 49", "639 98", "977 42"]

DEMO_LEADS = {"in_progress": 27, "converted": 7, "junk": 6}
DEMO_FRESH_CONTACTS = 18
DEMO_COMPANIES = 12  # in all, the companies made from converted leads included
DEMO_DEALS = {"open": 12, "won": 4, "lost": 3}
DEMO_PARTNER_DEALS = {"open": 4, "won": 2, "lost": 1}  # in a second pipeline, "Partnerships"
