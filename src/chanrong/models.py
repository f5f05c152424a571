"""Every domain's tables, imported so that the metadata (and Alembic) sees the whole schema."""

from chanrong.consent import models as consent_models
from chanrong.credit import models as credit_models
from chanrong.db import Base
from chanrong.identifiers import models as identifiers_models
from chanrong.kit import models as kit_models
from chanrong.ledger import models as ledger_models
from chanrong.observatory import models as observatory_models
from chanrong.parties import models as parties_models
from chanrong.supplychain import models as supplychain_models
from chanrong.telemetry import models as telemetry_models
from chanrong.trade import models as trade_models

metadata = Base.metadata

__all__ = [
    "consent_models",
    "credit_models",
    "identifiers_models",
    "kit_models",
    "ledger_models",
    "metadata",
    "observatory_models",
    "parties_models",
    "supplychain_models",
    "telemetry_models",
    "trade_models",
]
