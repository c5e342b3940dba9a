-- A results database of schema version 1, as tinderbox 0.1.0 (main at 7d63d94) wrote it, for the
-- tests of reading and migrating old databases (src/store/store_test.cpp, `StoreVersion1.*`).
-- Made with: scenarios/examples/capacity-constrained.yaml cut to `horizon: 3` and renamed
-- (comments dropped), then `tinderbox run tiny.yaml --db t.db && sqlite3 t.db .dump`;
-- `.dump` leaves out the schema version, so it is set at the end.
PRAGMA foreign_keys=OFF;
BEGIN TRANSACTION;
CREATE TABLE runs(
  id INTEGER PRIMARY KEY,
  created_at TEXT NOT NULL,
  command TEXT NOT NULL,
  command_line TEXT NOT NULL,
  scenario TEXT,
  scenario_source TEXT,
  scenario_sha256 TEXT,
  seed INTEGER,
  paths INTEGER,
  version TEXT NOT NULL,
  start TEXT,
  period TEXT,
  horizon INTEGER
) STRICT;
INSERT INTO runs VALUES(1,'2026-12-01T20:26:51Z','run','tinderbox run tiny.yaml --db t.db','Capacity constrained, three months (a version-1 database)','tiny.yaml','14c2bd7ffd249c691abb3eaced36bb3be4fe45b93067816bd44e0289289d158b',NULL,NULL,'0.1.0','2025-01-01','month',3);
CREATE TABLE scenario_files(
  run INTEGER NOT NULL REFERENCES runs(id) ON DELETE CASCADE,
  ord INTEGER NOT NULL,
  name TEXT NOT NULL,
  sha256 TEXT NOT NULL,
  text TEXT NOT NULL
) STRICT;
INSERT INTO scenario_files VALUES(1,0,'tiny.yaml','ffde4fe8f68490f155c217ac987143574998be0d87893ddb72670cab87dcc8c2',replace('tinderbox: 1\nname: Capacity constrained, three months (a version-1 database)\nstart: 2025-01-01\nhorizon: 3\nperiod: month\n\nmarket:\n  gpu:\n    H100:\n      rent: [[2025-01-01, 2.20], [2026-12-31, 1.60]]\n      economic_life_years: 5\n      reference_utilization: 0.75\n      cash_cost_per_hour: 0.30\n    GB200:\n      rent: [[2025-01-01, 4.50], [2026-12-31, 3.20]]\n      economic_life_years: 5\n      reference_utilization: 0.75\n      cash_cost_per_hour: 0.40\n  power_usd_per_mwh: 80\n  discount_rate: 0.12\n\nentities:\n  fastcloud:\n    kind: neocloud\n    cash: 1500\n    operations: {utilization: 0.70, cash_cost_per_hour: 0.25, sga: 4}\n    fleet:\n      # 20,000 H100 at 1.4 kW (server and cooling included): 28 MW of IT load.\n      - {id: h100s, gpu: H100, units: 20000, acquired: 2024-06-01, unit_cost: 0.030,\n         book_life_years: 6, kw_per_gpu: 1.4}\n    capex:\n      # 15,000 GB200 at 2.0 kW arrive in March 2025: 30 MW more than the colocation holds.\n      - {id: gb200s, date: 2025-03-01, gpu: GB200, units: 15000, unit_cost: 0.050,\n         book_life_years: 6, kw_per_gpu: 2.0}\n    contracts:\n      - {id: lab_h100, customer: ailab, gpu: H100, gpus: 12000, price_per_gpu_hour: 2.40,\n         start: 2025-01-01, end: 2026-12-31}\n      - {id: lab_gb200, customer: ailab, gpu: GB200, gpus: 10000, price_per_gpu_hour: 4.20,\n         start: 2025-04-01, end: 2027-03-31}\n      - {id: bank_h100, customer: bigbank, gpu: H100, gpus: 4000, price_per_gpu_hour: 2.30,\n         start: 2025-01-01, end: 2026-06-30}\n    sites:\n      # In service: 36 MW at $0.14M a MW a month, +3 % on each anniversary of its delivery.\n      colo:\n        type: leased\n        host: colo_reit\n        mw: 36\n        delivery: 2024-01-01\n        payment_per_mw_per_period: 0.14\n        escalator: 0.03\n        term_months: 120\n      # Owned: 20 MW built from July 2024 to January 2025, then six months to full power. The\n      # cost per MW is NextPlatform''s estimate for CoreWeave (FACTS.md): about 15,000 to turn\n      # 7,500 of GPUs into 360 MW, i.e. (15,000 - 7,500) / 360 = 20.8 $M per MW besides the\n      # GPUs; here 10 $M per MW for the building, power and cooling alone (assumption). Spent\n      # before 2025, it is history: only its power shows in the run.\n      campus:\n        type: owned\n        mw: 20\n        construction_start: 2024-07-01\n        delivery: 2025-01-01\n        ramp_months: 6\n        capex_per_mw: 10\n        pue: 1.0\n      # Leased, due on 2025-05-01 but two months late: its power starts on 2025-07-01.\n      expansion:\n        type: leased\n        host: colo_reit\n        mw: 12\n        delivery: 2025-05-01\n        delay_months: 2\n        ramp_months: 1\n        payment_per_mw_per_period: 0.15\n        escalator: 0.03\n        term_months: 120\n      # Owned, built during the run: 15 MW from 2025-06-01 to 2026-01-01 at 10 $M per MW,\n      # paid month by month over the construction.\n      phase2:\n        type: owned\n        mw: 15\n        construction_start: 2025-06-01\n        delivery: 2026-01-01\n        ramp_months: 3\n        capex_per_mw: 10\n','\n',char(10)));
CREATE TABLE periods(
  run INTEGER NOT NULL REFERENCES runs(id) ON DELETE CASCADE,
  period INTEGER NOT NULL,
  date TEXT NOT NULL
) STRICT;
INSERT INTO periods VALUES(1,0,'2025-01-31');
INSERT INTO periods VALUES(1,1,'2025-02-28');
INSERT INTO periods VALUES(1,2,'2025-03-31');
CREATE TABLE entities(
  run INTEGER NOT NULL REFERENCES runs(id) ON DELETE CASCADE,
  entity TEXT NOT NULL,
  kind TEXT NOT NULL,
  has_books INTEGER NOT NULL,
  default_period INTEGER,
  default_date TEXT,
  default_reason TEXT
) STRICT;
INSERT INTO entities VALUES(1,'fastcloud','neocloud',1,NULL,NULL,NULL);
CREATE TABLE series(
  run INTEGER NOT NULL REFERENCES runs(id) ON DELETE CASCADE,
  entity TEXT NOT NULL,
  name TEXT NOT NULL,
  period INTEGER NOT NULL,
  date TEXT NOT NULL,
  value REAL NOT NULL
) STRICT;
INSERT INTO series VALUES(1,'fastcloud','cash',0,'2025-01-31',1518.6004736000002139);
INSERT INTO series VALUES(1,'fastcloud','cash',1,'2025-02-28',1534.4634224987653396);
INSERT INTO series VALUES(1,'fastcloud','cash',2,'2025-03-31',820.61131838155665719);
INSERT INTO series VALUES(1,'fastcloud','revenue',0,'2025-01-31',32.855039999999995359);
INSERT INTO series VALUES(1,'fastcloud','revenue',1,'2025-02-28',29.627512098765432569);
INSERT INTO series VALUES(1,'fastcloud','revenue',2,'2025-03-31',52.07503594024964144);
INSERT INTO series VALUES(1,'fastcloud','ebitda',0,'2025-01-31',18.600473599999993723);
INSERT INTO series VALUES(1,'fastcloud','ebitda',1,'2025-02-28',15.862948898765431238);
INSERT INTO series VALUES(1,'fastcloud','ebitda',2,'2025-03-31',36.147895882791075904);
INSERT INTO series VALUES(1,'fastcloud','interest',0,'2025-01-31',0.0);
INSERT INTO series VALUES(1,'fastcloud','interest',1,'2025-02-28',0.0);
INSERT INTO series VALUES(1,'fastcloud','interest',2,'2025-03-31',0.0);
INSERT INTO series VALUES(1,'fastcloud','principal',0,'2025-01-31',0.0);
INSERT INTO series VALUES(1,'fastcloud','principal',1,'2025-02-28',0.0);
INSERT INTO series VALUES(1,'fastcloud','principal',2,'2025-03-31',0.0);
INSERT INTO series VALUES(1,'fastcloud','debt',0,'2025-01-31',0.0);
INSERT INTO series VALUES(1,'fastcloud','debt',1,'2025-02-28',0.0);
INSERT INTO series VALUES(1,'fastcloud','debt',2,'2025-03-31',0.0);
INSERT INTO series VALUES(1,'fastcloud','collateral_book',0,'2025-01-31',533.15068493150681661);
INSERT INTO series VALUES(1,'fastcloud','collateral_book',1,'2025-02-28',525.47945205479459217);
INSERT INTO series VALUES(1,'fastcloud','collateral_book',2,'2025-03-31',1256.7123287671233811);
INSERT INTO series VALUES(1,'fastcloud','collateral_market',0,'2025-01-31',748.99502351994988202);
INSERT INTO series VALUES(1,'fastcloud','collateral_market',1,'2025-02-28',729.02176652490038575);
INSERT INTO series VALUES(1,'fastcloud','collateral_market',2,'2025-03-31',2033.9367214642188627);
INSERT INTO series VALUES(1,'fastcloud','power',0,'2025-01-31',1.5665663999999999145);
INSERT INTO series VALUES(1,'fastcloud','power',1,'2025-02-28',1.4149632000000000875);
INSERT INTO series VALUES(1,'fastcloud','power',2,'2025-03-31',2.2428582895027626697);
INSERT INTO series VALUES(1,'fastcloud','opex',0,'2025-01-31',3.4967999999999999083);
INSERT INTO series VALUES(1,'fastcloud','opex',1,'2025-02-28',3.1583999999999998742);
INSERT INTO series VALUES(1,'fastcloud','opex',2,'2025-03-31',4.4930817679558003874);
INSERT INTO series VALUES(1,'fastcloud','sga',0,'2025-01-31',4.0);
INSERT INTO series VALUES(1,'fastcloud','sga',1,'2025-02-28',4.0);
INSERT INTO series VALUES(1,'fastcloud','sga',2,'2025-03-31',4.0);
INSERT INTO series VALUES(1,'fastcloud','lease',0,'2025-01-31',5.1912000000000011468);
INSERT INTO series VALUES(1,'fastcloud','lease',1,'2025-02-28',5.1912000000000011468);
INSERT INTO series VALUES(1,'fastcloud','lease',2,'2025-03-31',5.1912000000000011468);
INSERT INTO series VALUES(1,'fastcloud','capex',0,'2025-01-31',0.0);
INSERT INTO series VALUES(1,'fastcloud','capex',1,'2025-02-28',0.0);
INSERT INTO series VALUES(1,'fastcloud','capex',2,'2025-03-31',750.0);
INSERT INTO series VALUES(1,'fastcloud','draws',0,'2025-01-31',0.0);
INSERT INTO series VALUES(1,'fastcloud','draws',1,'2025-02-28',0.0);
INSERT INTO series VALUES(1,'fastcloud','draws',2,'2025-03-31',0.0);
INSERT INTO series VALUES(1,'fastcloud','equity',0,'2025-01-31',0.0);
INSERT INTO series VALUES(1,'fastcloud','equity',1,'2025-02-28',0.0);
INSERT INTO series VALUES(1,'fastcloud','equity',2,'2025-03-31',0.0);
INSERT INTO series VALUES(1,'fastcloud','interest_paid',0,'2025-01-31',0.0);
INSERT INTO series VALUES(1,'fastcloud','interest_paid',1,'2025-02-28',0.0);
INSERT INTO series VALUES(1,'fastcloud','interest_paid',2,'2025-03-31',0.0);
INSERT INTO series VALUES(1,'fastcloud','prepayments',0,'2025-01-31',0.0);
INSERT INTO series VALUES(1,'fastcloud','prepayments',1,'2025-02-28',0.0);
INSERT INTO series VALUES(1,'fastcloud','prepayments',2,'2025-03-31',0.0);
INSERT INTO series VALUES(1,'fastcloud','debt_service',0,'2025-01-31',0.0);
INSERT INTO series VALUES(1,'fastcloud','debt_service',1,'2025-02-28',0.0);
INSERT INTO series VALUES(1,'fastcloud','debt_service',2,'2025-03-31',0.0);
INSERT INTO series VALUES(1,'fastcloud','shares',0,'2025-01-31',0.0);
INSERT INTO series VALUES(1,'fastcloud','shares',1,'2025-02-28',0.0);
INSERT INTO series VALUES(1,'fastcloud','shares',2,'2025-03-31',0.0);
INSERT INTO series VALUES(1,'fastcloud','active_mw',0,'2025-01-31',37.712707182320443165);
INSERT INTO series VALUES(1,'fastcloud','active_mw',1,'2025-02-28',40.9723756906077341);
INSERT INTO series VALUES(1,'fastcloud','active_mw',2,'2025-03-31',44.232044198895025034);
INSERT INTO series VALUES(1,'fastcloud','contracted_mw',0,'2025-01-31',83.0);
INSERT INTO series VALUES(1,'fastcloud','contracted_mw',1,'2025-02-28',83.0);
INSERT INTO series VALUES(1,'fastcloud','contracted_mw',2,'2025-03-31',83.0);
INSERT INTO series VALUES(1,'fastcloud','powered_utilization',0,'2025-01-31',0.74245531790213892264);
INSERT INTO series VALUES(1,'fastcloud','powered_utilization',1,'2025-02-28',0.68338727076591154752);
INSERT INTO series VALUES(1,'fastcloud','powered_utilization',2,'2025-03-31',1.0);
INSERT INTO series VALUES(1,'fastcloud','idle_gpus',0,'2025-01-31',0.0);
INSERT INTO series VALUES(1,'fastcloud','idle_gpus',1,'2025-02-28',0.0);
INSERT INTO series VALUES(1,'fastcloud','idle_gpus',2,'2025-03-31',7348.0662983425418131);
INSERT INTO series VALUES(1,'fastcloud','revenue_lost_capacity',0,'2025-01-31',0.0);
INSERT INTO series VALUES(1,'fastcloud','revenue_lost_capacity',1,'2025-02-28',0.0);
INSERT INTO series VALUES(1,'fastcloud','revenue_lost_capacity',2,'2025-03-31',15.010923565923196321);
INSERT INTO series VALUES(1,'fastcloud','collateral_fire_sale',0,'2025-01-31',748.99502351994988202);
INSERT INTO series VALUES(1,'fastcloud','collateral_fire_sale',1,'2025-02-28',729.02176652490038575);
INSERT INTO series VALUES(1,'fastcloud','collateral_fire_sale',2,'2025-03-31',2033.9367214642188627);
CREATE TABLE metrics(
  run INTEGER NOT NULL REFERENCES runs(id) ON DELETE CASCADE,
  entity TEXT NOT NULL,
  name TEXT NOT NULL,
  value REAL,
  text TEXT
) STRICT;
INSERT INTO metrics VALUES(1,'fastcloud','runway_months',NULL,NULL);
INSERT INTO metrics VALUES(1,'fastcloud','runway_no_new_money_months',NULL,NULL);
INSERT INTO metrics VALUES(1,'fastcloud','runway_no_new_money_date',NULL,NULL);
INSERT INTO metrics VALUES(1,'fastcloud','runway_date',NULL,NULL);
INSERT INTO metrics VALUES(1,'fastcloud','price_to_sales',NULL,NULL);
INSERT INTO metrics VALUES(1,'fastcloud','ev_to_revenue',NULL,NULL);
INSERT INTO metrics VALUES(1,'fastcloud','debt_to_ebitda',0.0,NULL);
INSERT INTO metrics VALUES(1,'fastcloud','interest_coverage',NULL,NULL);
INSERT INTO metrics VALUES(1,'fastcloud','rule_of_40',NULL,NULL);
CREATE TABLE years(
  run INTEGER NOT NULL REFERENCES runs(id) ON DELETE CASCADE,
  entity TEXT NOT NULL,
  end_date TEXT NOT NULL,
  months INTEGER NOT NULL,
  revenue REAL NOT NULL,
  ebitda REAL NOT NULL,
  interest REAL NOT NULL,
  principal REAL NOT NULL,
  capex REAL NOT NULL,
  free_cash_flow REAL NOT NULL,
  cash REAL NOT NULL,
  debt REAL NOT NULL,
  ltv REAL,
  revenue_growth REAL,
  rule_of_40 REAL
) STRICT;
INSERT INTO years VALUES(1,'fastcloud','2025-03-31',3,114.55758803901505871,70.611318381556500865,0.0,0.0,750.0,-679.38868161844345652,820.61131838155665719,0.0,0.0,NULL,NULL);
CREATE TABLE recoveries(
  run INTEGER NOT NULL REFERENCES runs(id) ON DELETE CASCADE,
  entity TEXT NOT NULL,
  instrument TEXT NOT NULL,
  claim REAL NOT NULL,
  recovered REAL NOT NULL,
  loss REAL NOT NULL
) STRICT;
CREATE TABLE ledger(
  run INTEGER NOT NULL REFERENCES runs(id) ON DELETE CASCADE,
  seq INTEGER NOT NULL,
  date TEXT NOT NULL,
  entity TEXT NOT NULL,
  instrument TEXT NOT NULL,
  counterparty TEXT NOT NULL,
  kind TEXT NOT NULL,
  amount REAL NOT NULL
) STRICT;
INSERT INTO ledger VALUES(1,1,'2025-01-31','fastcloud','lab_h100','ailab','revenue',21.427199999999999135);
INSERT INTO ledger VALUES(1,2,'2025-01-31','fastcloud','bank_h100','bigbank','revenue',6.8447999999999993292);
INSERT INTO ledger VALUES(1,3,'2025-01-31','fastcloud','spot:H100','market','revenue',4.5830399999999995586);
INSERT INTO ledger VALUES(1,4,'2025-01-31','fastcloud','','','power',-1.5665663999999999145);
INSERT INTO ledger VALUES(1,5,'2025-01-31','fastcloud','','','opex',-3.4967999999999999083);
INSERT INTO ledger VALUES(1,6,'2025-01-31','fastcloud','','','sga',-4.0);
INSERT INTO ledger VALUES(1,7,'2025-01-31','fastcloud','colo','colo_reit','lease',-5.1912000000000011468);
INSERT INTO ledger VALUES(1,8,'2025-02-28','fastcloud','lab_h100','ailab','revenue',19.353600000000000136);
INSERT INTO ledger VALUES(1,9,'2025-02-28','fastcloud','bank_h100','bigbank','revenue',6.1823999999999994514);
INSERT INTO ledger VALUES(1,10,'2025-02-28','fastcloud','spot:H100','market','revenue',4.0915120987654312045);
INSERT INTO ledger VALUES(1,11,'2025-02-28','fastcloud','','','power',-1.4149632000000000875);
INSERT INTO ledger VALUES(1,12,'2025-02-28','fastcloud','','','opex',-3.1583999999999998742);
INSERT INTO ledger VALUES(1,13,'2025-02-28','fastcloud','','','sga',-4.0);
INSERT INTO ledger VALUES(1,14,'2025-02-28','fastcloud','colo','colo_reit','lease',-5.1912000000000011468);
INSERT INTO ledger VALUES(1,15,'2025-03-31','fastcloud','lab_h100','ailab','revenue',21.427199999999999135);
INSERT INTO ledger VALUES(1,16,'2025-03-31','fastcloud','bank_h100','bigbank','revenue',6.8447999999999993292);
INSERT INTO ledger VALUES(1,17,'2025-03-31','fastcloud','spot:H100','market','revenue',2.7485565459382037545);
INSERT INTO ledger VALUES(1,18,'2025-03-31','fastcloud','spot:GB200','market','revenue',21.054479394311439222);
INSERT INTO ledger VALUES(1,19,'2025-03-31','fastcloud','','','power',-2.2428582895027626697);
INSERT INTO ledger VALUES(1,20,'2025-03-31','fastcloud','','','opex',-4.4930817679558003874);
INSERT INTO ledger VALUES(1,21,'2025-03-31','fastcloud','','','sga',-4.0);
INSERT INTO ledger VALUES(1,22,'2025-03-31','fastcloud','gb200s','','capex',-750.0);
INSERT INTO ledger VALUES(1,23,'2025-03-31','fastcloud','colo','colo_reit','lease',-5.1912000000000011468);
CREATE TABLE events(
  run INTEGER NOT NULL REFERENCES runs(id) ON DELETE CASCADE,
  seq INTEGER NOT NULL,
  period INTEGER NOT NULL,
  date TEXT NOT NULL,
  entity TEXT NOT NULL,
  instrument TEXT NOT NULL,
  type TEXT NOT NULL,
  detail TEXT NOT NULL,
  value REAL NOT NULL,
  threshold REAL NOT NULL
) STRICT;
INSERT INTO events VALUES(1,1,2,'2025-03-31','fastcloud','','capacity_shortfall','7348 GPUs idle for lack of power: 44.2 MW active cannot run them all',7348.0662983425418131,44.232044198895025034);
CREATE TABLE debts(
  run INTEGER NOT NULL REFERENCES runs(id) ON DELETE CASCADE,
  entity TEXT NOT NULL,
  instrument TEXT NOT NULL,
  type TEXT NOT NULL,
  maturity TEXT NOT NULL,
  commitment REAL NOT NULL,
  balance_end REAL NOT NULL
) STRICT;
CREATE TABLE covenants(
  run INTEGER NOT NULL REFERENCES runs(id) ON DELETE CASCADE,
  entity TEXT NOT NULL,
  instrument TEXT NOT NULL,
  covenant TEXT NOT NULL,
  threshold REAL NOT NULL,
  from_date TEXT,
  every INTEGER NOT NULL
) STRICT;
CREATE TABLE gpu_markets(
  run INTEGER NOT NULL REFERENCES runs(id) ON DELETE CASCADE,
  gpu TEXT NOT NULL,
  liquidation_haircut REAL NOT NULL,
  economic_life_years REAL NOT NULL,
  reference_utilization REAL NOT NULL
) STRICT;
INSERT INTO gpu_markets VALUES(1,'H100',0.0,5.0,0.75);
INSERT INTO gpu_markets VALUES(1,'GB200',0.0,5.0,0.75);
CREATE TABLE pd(
  run INTEGER NOT NULL REFERENCES runs(id) ON DELETE CASCADE,
  entity TEXT NOT NULL,
  period INTEGER NOT NULL,
  date TEXT NOT NULL,
  pd REAL NOT NULL,
  pd_se REAL NOT NULL
) STRICT;
CREATE TABLE cash_quantiles(
  run INTEGER NOT NULL REFERENCES runs(id) ON DELETE CASCADE,
  entity TEXT NOT NULL,
  period INTEGER NOT NULL,
  date TEXT NOT NULL,
  p05 REAL NOT NULL,
  p25 REAL NOT NULL,
  p50 REAL NOT NULL,
  p75 REAL NOT NULL,
  p95 REAL NOT NULL
) STRICT;
CREATE TABLE runway_quantiles(
  run INTEGER NOT NULL REFERENCES runs(id) ON DELETE CASCADE,
  entity TEXT NOT NULL,
  p05 INTEGER,
  p50 INTEGER,
  p95 INTEGER
) STRICT;
CREATE TABLE lender_losses(
  run INTEGER NOT NULL REFERENCES runs(id) ON DELETE CASCADE,
  lender TEXT NOT NULL,
  el REAL NOT NULL,
  var99 REAL NOT NULL,
  es99 REAL NOT NULL,
  p_loss REAL NOT NULL
) STRICT;
CREATE TABLE system_losses(
  run INTEGER NOT NULL REFERENCES runs(id) ON DELETE CASCADE,
  loss_mean REAL NOT NULL,
  loss_var99 REAL NOT NULL,
  loss_es99 REAL NOT NULL
) STRICT;
CREATE TABLE default_counts(
  run INTEGER NOT NULL REFERENCES runs(id) ON DELETE CASCADE,
  defaulted INTEGER NOT NULL,
  share REAL NOT NULL
) STRICT;
CREATE TABLE market(
  run INTEGER NOT NULL REFERENCES runs(id) ON DELETE CASCADE,
  basis TEXT NOT NULL,
  driver TEXT NOT NULL,
  period INTEGER NOT NULL,
  date TEXT NOT NULL,
  mean REAL NOT NULL,
  sd REAL NOT NULL
) STRICT;
INSERT INTO market VALUES(1,'base','gpu.H100',0,'2025-01-01',2.2000000000000001776,0.0);
INSERT INTO market VALUES(1,'base','gpu.H100',1,'2025-02-01',2.1744855967078189351,0.0);
INSERT INTO market VALUES(1,'base','gpu.H100',2,'2025-03-01',2.151440329218107017,0.0);
INSERT INTO market VALUES(1,'base','gpu.GB200',0,'2025-01-01',4.5,0.0);
INSERT INTO market VALUES(1,'base','gpu.GB200',1,'2025-02-01',4.4447187928669409373,0.0);
INSERT INTO market VALUES(1,'base','gpu.GB200',2,'2025-03-01',4.3947873799725654109,0.0);
CREATE TABLE network_nodes(
  run INTEGER NOT NULL REFERENCES runs(id) ON DELETE CASCADE,
  node TEXT NOT NULL,
  kind TEXT NOT NULL,
  modelled INTEGER NOT NULL,
  failed_round INTEGER,
  failed_date TEXT
) STRICT;
INSERT INTO network_nodes VALUES(1,'fastcloud','neocloud',1,NULL,NULL);
INSERT INTO network_nodes VALUES(1,'ailab','customer',0,NULL,NULL);
INSERT INTO network_nodes VALUES(1,'bigbank','customer',0,NULL,NULL);
CREATE TABLE network_edges(
  run INTEGER NOT NULL REFERENCES runs(id) ON DELETE CASCADE,
  as_of TEXT NOT NULL,
  source TEXT NOT NULL,
  target TEXT NOT NULL,
  kind TEXT NOT NULL,
  instrument TEXT NOT NULL,
  amount REAL NOT NULL
) STRICT;
INSERT INTO network_edges VALUES(1,'2025-01-01','fastcloud','ailab','contract','lab_h100',504.57600000000002184);
INSERT INTO network_edges VALUES(1,'2025-01-01','fastcloud','ailab','contract','lab_gb200',735.84000000000003181);
INSERT INTO network_edges VALUES(1,'2025-01-01','fastcloud','bigbank','contract','bank_h100',120.55679999999999551);
CREATE TABLE contagion(
  run INTEGER NOT NULL REFERENCES runs(id) ON DELETE CASCADE,
  period INTEGER,
  date TEXT,
  round INTEGER NOT NULL,
  entity TEXT NOT NULL,
  reason TEXT NOT NULL,
  detail TEXT NOT NULL
) STRICT;
CREATE INDEX scenario_files_run ON scenario_files(run);
CREATE INDEX periods_run ON periods(run);
CREATE INDEX entities_run ON entities(run);
CREATE INDEX series_run ON series(run);
CREATE INDEX metrics_run ON metrics(run);
CREATE INDEX years_run ON years(run);
CREATE INDEX recoveries_run ON recoveries(run);
CREATE INDEX ledger_run ON ledger(run);
CREATE INDEX events_run ON events(run);
CREATE INDEX debts_run ON debts(run);
CREATE INDEX covenants_run ON covenants(run);
CREATE INDEX gpu_markets_run ON gpu_markets(run);
CREATE INDEX pd_run ON pd(run);
CREATE INDEX cash_quantiles_run ON cash_quantiles(run);
CREATE INDEX runway_quantiles_run ON runway_quantiles(run);
CREATE INDEX lender_losses_run ON lender_losses(run);
CREATE INDEX system_losses_run ON system_losses(run);
CREATE INDEX default_counts_run ON default_counts(run);
CREATE INDEX market_run ON market(run);
CREATE INDEX network_nodes_run ON network_nodes(run);
CREATE INDEX network_edges_run ON network_edges(run);
CREATE INDEX contagion_run ON contagion(run);
COMMIT;
PRAGMA user_version = 1;
