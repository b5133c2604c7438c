# Reference results from R `synthdid` 0.0.9 for `improve.synth` (see synth_README.md).
#
#   Rscript tests/reference/make_synth_references.R
#
# Needs R (Debian r-base-core, r-cran-mvtnorm) and synthdid installed from the
# synth-inference/synthdid repository (R CMD INSTALL of `git archive HEAD`). Set SYNTHDID_COMMIT
# to that commit to record it; otherwise the script asks the local mirror's git, else "unknown".
# Writes tests/reference/synth_references.json (hand-written JSON, numbers as sprintf('%.15g')).
# Single-threaded; about an hour on one core (the placebo loops dominate).
#
# Options (environment):
#   SYNTH_REF_QUICK=1        few seeds / replications, output to synth_references_quick.json
#                            (for checking the script only).
#   SYNTH_REF_PLACEBO2000=1  also compute the sdid placebo SE with 2,000 replications
#                            (set.seed(1)); skipped by default because it takes ~7 minutes
#                            (over the 5-minute budget); the JSON then records that it was skipped.
suppressPackageStartupMessages(library(synthdid))

args <- commandArgs(trailingOnly = FALSE)
here <- dirname(normalizePath(sub("--file=", "", args[grep("--file=", args)])))
quick <- Sys.getenv("SYNTH_REF_QUICK") == "1"
do_placebo2000 <- Sys.getenv("SYNTH_REF_PLACEBO2000") == "1"
out_path <- file.path(here, if (quick) "synth_references_quick.json" else "synth_references.json")

placebo_seeds <- if (quick) 1:2 else 1:30
placebo_reps <- if (quick) 10 else 200
boot_seeds <- if (quick) 1:2 else 1:10
boot_reps <- if (quick) 10 else 200

say <- function(...) { cat(format(Sys.time(), "%H:%M:%S"), ..., "\n", file = stderr()) }
timings <- list()
timed <- function(name, expr) {
  t0 <- proc.time()[["elapsed"]]
  val <- force(expr)
  timings[[name]] <<- proc.time()[["elapsed"]] - t0
  say(name, sprintf("%.1fs", timings[[name]]))
  val
}

# ---------------------------------------------------------------- minimal JSON writer
# named list -> object; unnamed list -> array; named atomic vector -> object (order kept);
# unnamed atomic of length 1 -> scalar, else array (wrap in I() to force an array);
# NA / NaN / NULL -> null; numbers as sprintf('%.15g').
jstr <- function(s) {
  s <- gsub("\\\\", "\\\\\\\\", s)
  s <- gsub("\"", "\\\\\"", s)
  s <- gsub("\n", "\\\\n", s)
  paste0("\"", s, "\"")
}
jscalar <- function(v) {
  if (is.null(v) || length(v) == 0 || is.na(v)) return("null")
  if (is.logical(v)) return(if (v) "true" else "false")
  if (is.numeric(v)) {
    if (!is.finite(v)) return("null")
    return(sprintf("%.15g", v))
  }
  jstr(as.character(v))
}
to_json <- function(x, indent = 0) {
  pad <- strrep("  ", indent + 1)
  pad0 <- strrep("  ", indent)
  if (is.null(x)) return("null")
  if (is.list(x)) {
    if (length(x) == 0) return(if (is.null(names(x))) "[]" else "{}")
    items <- vapply(x, to_json, "", indent = indent + 1)
    if (!is.null(names(x))) {
      body <- paste0(pad, jstr(names(x)), ": ", items)
      return(paste0("{\n", paste(body, collapse = ",\n"), "\n", pad0, "}"))
    }
    return(paste0("[\n", paste0(pad, items, collapse = ",\n"), "\n", pad0, "]"))
  }
  force_array <- inherits(x, "AsIs")
  nm <- names(x)
  x <- unclass(x)
  if (!is.null(nm)) {
    body <- paste0(jstr(nm), ": ", vapply(seq_along(x), function(i) jscalar(x[[i]]), ""))
    return(paste0("{", paste(body, collapse = ", "), "}"))
  }
  if (length(x) == 1 && !force_array) return(jscalar(x[[1]]))
  paste0("[", paste(vapply(seq_along(x), function(i) jscalar(x[[i]]), ""), collapse = ", "), "]")
}

# ---------------------------------------------------------------- data
df <- read.csv(file.path(here, "california_prop99.csv"), sep = ";", stringsAsFactors = FALSE)
setup1 <- panel.matrices(df)

# Second setup: California plus the two alphabetically first control states (Alabama, Arkansas),
# all three treated from 1989 (the same adoption year as California).
extra_treated <- sort(unique(df$State[df$State != "California"]))[1:2]
stopifnot(identical(extra_treated, c("Alabama", "Arkansas")))
df2 <- df
df2$treated[df2$State %in% extra_treated & df2$Year >= 1989] <- 1L
setup2 <- panel.matrices(df2)

noise_level_of <- function(setup) sd(apply(setup$Y[1:setup$N0, 1:setup$T0], 1, diff))
n_iter <- function(vals) if (is.null(vals)) 0L else sum(!is.na(vals))

estimators <- list(sdid = synthdid_estimate, sc = sc_estimate, did = did_estimate)

describe <- function(est, setup, with_curve = TRUE) {
  w <- attr(est, "weights")
  o <- attr(est, "opts")
  Y <- setup$Y
  N0 <- setup$N0; T0 <- setup$T0
  omega <- setNames(as.numeric(w$omega), rownames(Y)[1:N0])
  lambda <- setNames(as.numeric(w$lambda), colnames(Y)[1:T0])
  nl <- noise_level_of(setup)
  res <- list(
    estimate = as.numeric(est),
    noise_level = nl,
    zeta_omega = o$zeta.omega,
    zeta_lambda = o$zeta.lambda,
    eta_omega = o$zeta.omega / nl,
    min_decrease = o$min.decrease,
    update_omega = o$update.omega,
    update_lambda = o$update.lambda,
    omega_intercept = o$omega.intercept,
    lambda_intercept = o$lambda.intercept,
    omega_iterations = n_iter(w$omega.vals),
    lambda_iterations = n_iter(w$lambda.vals),
    omega = omega,
    lambda = lambda
  )
  if (with_curve) {
    curve <- as.numeric(synthdid_effect_curve(est))
    res$effect_curve <- setNames(curve, colnames(Y)[(T0 + 1):ncol(Y)])
  }
  res
}

setup_info <- function(setup, desc) {
  list(description = desc, N0 = setup$N0, T0 = setup$T0, N = nrow(setup$Y), T = ncol(setup$Y),
       units = I(rownames(setup$Y)), years = I(as.integer(colnames(setup$Y))),
       treated_units = I(rownames(setup$Y)[(setup$N0 + 1):nrow(setup$Y)]))
}

# ---------------------------------------------------------------- one treated unit
say("setup 1: N0 =", setup1$N0, "T0 =", setup1$T0)
est1 <- lapply(estimators, function(f) f(setup1$Y, setup1$N0, setup1$T0))
one <- lapply(est1, describe, setup = setup1)
for (m in names(est1)) {
  one[[m]]$se_jackknife <- timed(paste0("jackknife_one_", m),
                                 sqrt(as.numeric(vcov(est1[[m]], method = "jackknife"))))
}

# placebo SEs: vcov(est, method = 'placebo', replications = 200) after set.seed(s), s = 1..30
placebo <- list()
for (m in names(est1)) {
  ses <- numeric(length(placebo_seeds))
  t0 <- proc.time()[["elapsed"]]
  for (i in seq_along(placebo_seeds)) {
    set.seed(placebo_seeds[i])
    ses[i] <- sqrt(as.numeric(vcov(est1[[m]], method = "placebo", replications = placebo_reps)))
  }
  timings[[paste0("placebo_", m, "_all_seeds")]] <- proc.time()[["elapsed"]] - t0
  say("placebo", m, sprintf("%.1fs", timings[[paste0("placebo_", m, "_all_seeds")]]))
  placebo[[m]] <- list(seeds = I(placebo_seeds), replications = placebo_reps, se = I(ses),
                       min = min(ses), median = median(ses), mean = mean(ses), max = max(ses),
                       sd = sd(ses))
}

# cross-check with the published / shared reference: set.seed(12345), 200 replications
crosscheck <- list()
if (!quick) {
  for (m in names(est1)) {
    set.seed(12345)
    crosscheck[[m]] <- timed(paste0("placebo_seed12345_", m),
                             sqrt(as.numeric(vcov(est1[[m]], method = "placebo", replications = 200))))
  }
}

# sdid placebo SE with 2,000 replications (opt-in, see header)
placebo2000 <- if (do_placebo2000) {
  set.seed(1)
  se <- timed("placebo2000_sdid",
              sqrt(as.numeric(vcov(est1$sdid, method = "placebo", replications = 2000))))
  list(seed = 1, replications = 2000, se = se, seconds = timings$placebo2000_sdid)
} else {
  per200 <- timings$placebo_sdid_all_seeds / length(placebo_seeds) * (200 / placebo_reps)
  list(skipped = TRUE,
       reason = sprintf(paste0("not run by default: estimated %.0f s (10 x %.1f s per 200 ",
                               "replications on this machine), over the 5-minute budget; ",
                               "set SYNTH_REF_PLACEBO2000=1 to compute"), 10 * per200, per200))
}

# in-time placebo: synthdid_placebo(estimate) (treated.fraction = NULL -> 1 - T0/T)
# For sc this errors in synthdid 0.0.9 (sc_estimate gets omega.intercept twice: from its own
# call and from the stored opts); the error message is stored instead.
in_time <- lapply(est1, function(e) {
  p <- tryCatch(synthdid_placebo(e), error = function(err) err)
  if (inherits(p, "error")) {
    return(list(error = conditionMessage(p), call = deparse(conditionCall(p))[1]))
  }
  s <- attr(p, "setup")
  d <- describe(p, s, with_curve = FALSE)
  c(list(treated_fraction = 1 - setup1$T0 / ncol(setup1$Y), placebo_T0 = s$T0,
         placebo_T = ncol(s$Y)), d)
})

# covariates: X[i, t] = Y[i, 1970] * t / 31, t = 1..31 the column index (1970 -> 1/31, 2000 -> 1)
Y1 <- setup1$Y
X1 <- Y1[, "1970"] %o% (seq_len(ncol(Y1)) / ncol(Y1))
dimnames(X1) <- dimnames(Y1)
est_cov <- timed("sdid_covariate", synthdid_estimate(Y1, setup1$N0, setup1$T0, X = X1))
wc <- attr(est_cov, "weights")
cov_res <- list(
  covariate = "X[i,t] = Y[i,'1970'] * t/31 with t = 1..31 the year index (one covariate, N x T matrix passed as X)",
  estimate = as.numeric(est_cov),
  beta = as.numeric(wc$beta),
  iterations = n_iter(wc$vals),
  max_iter = attr(est_cov, "opts")$max.iter,
  final_objective = tail(wc$vals[!is.na(wc$vals)], 1),
  zeta_omega = attr(est_cov, "opts")$zeta.omega,
  zeta_lambda = attr(est_cov, "opts")$zeta.lambda,
  omega = setNames(as.numeric(wc$omega), rownames(Y1)[1:setup1$N0]),
  lambda = setNames(as.numeric(wc$lambda), colnames(Y1)[1:setup1$T0]),
  effect_curve = setNames(as.numeric(synthdid_effect_curve(est_cov)),
                          colnames(Y1)[(setup1$T0 + 1):ncol(Y1)])
)

# ---------------------------------------------------------------- several treated units
say("setup 2: N0 =", setup2$N0, "T0 =", setup2$T0)
est2 <- lapply(estimators, function(f) f(setup2$Y, setup2$N0, setup2$T0))
several <- lapply(est2, describe, setup = setup2)
for (m in names(est2)) {
  several[[m]]$se_jackknife <- timed(paste0("jackknife_several_", m),
                                     sqrt(as.numeric(vcov(est2[[m]], method = "jackknife"))))
}
boot <- numeric(length(boot_seeds))
t0 <- proc.time()[["elapsed"]]
for (i in seq_along(boot_seeds)) {
  set.seed(boot_seeds[i])
  boot[i] <- sqrt(as.numeric(vcov(est2$sdid, method = "bootstrap", replications = boot_reps)))
}
timings$bootstrap_sdid_all_seeds <- proc.time()[["elapsed"]] - t0
say("bootstrap sdid", sprintf("%.1fs", timings$bootstrap_sdid_all_seeds))
several$sdid$bootstrap <- list(seeds = I(boot_seeds), replications = boot_reps, se = I(boot),
                               min = min(boot), median = median(boot), mean = mean(boot),
                               max = max(boot), sd = sd(boot))

# ---------------------------------------------------------------- write
commit <- Sys.getenv("SYNTHDID_COMMIT")
if (commit == "") {
  commit <- tryCatch(system2("git", c("-C", "/work/.mirror/synth-inference+synthdid/repo",
                                      "rev-parse", "HEAD"), stdout = TRUE, stderr = FALSE),
                     error = function(e) "unknown", warning = function(w) "unknown")
  if (length(commit) != 1 || !grepl("^[0-9a-f]{40}$", commit)) commit <- "unknown"
}
desc <- packageDescription("synthdid")

out <- list(
  meta = list(
    generated = format(Sys.time(), "%Y-%m-%d %H:%M:%S %Z"),
    script = "tests/reference/make_synth_references.R",
    quick_mode = quick,
    R_version = R.version.string,
    synthdid_version = as.character(packageVersion("synthdid")),
    synthdid_commit = commit,
    synthdid_built = if (is.null(desc$Built)) NA else desc$Built,
    mvtnorm_version = as.character(packageVersion("mvtnorm")),
    RNGkind = I(RNGkind()),
    blas = if (!is.null(extSoftVersion()[["BLAS"]])) extSoftVersion()[["BLAS"]] else NA,
    data = "tests/reference/california_prop99.csv (semicolon-separated: State;Year;PacksPerCapita;treated), read with read.csv(sep=';'); setup = panel.matrices(df)",
    number_format = "sprintf('%.15g'); null = NA in R"
  ),
  calls = list(
    sdid = "synthdid_estimate(setup$Y, setup$N0, setup$T0)",
    sc = "sc_estimate(setup$Y, setup$N0, setup$T0)",
    did = "did_estimate(setup$Y, setup$N0, setup$T0)",
    se_jackknife = "sqrt(vcov(est, method = 'jackknife'))  (deterministic; NA -> null with one treated unit)",
    placebo = "for s in seeds: set.seed(s); sqrt(vcov(est, method = 'placebo', replications = 200))",
    bootstrap = "for s in seeds: set.seed(s); sqrt(vcov(est, method = 'bootstrap', replications = 200))",
    in_time_placebo = "synthdid_placebo(est)  (treated.fraction = NULL)",
    covariate = "synthdid_estimate(setup$Y, setup$N0, setup$T0, X = X)",
    noise_level = "sd(apply(Y[1:N0, 1:T0], 1, diff)) (synthdid default)",
    effect_curve = "synthdid_effect_curve(est)"
  ),
  setups = list(
    one_treated = setup_info(setup1, "panel.matrices(df): California treated from 1989"),
    several_treated = setup_info(setup2, "panel.matrices(df2): df with treated = 1 also for Alabama and Arkansas (the two alphabetically first control states) in Year >= 1989; California, Alabama, Arkansas all adopt in 1989")
  ),
  one_treated = c(one, list(
    placebo_se = placebo,
    placebo_se_seed12345_200 = crosscheck,
    placebo_se_2000_sdid = placebo2000,
    in_time_placebo = in_time,
    covariate_sdid = cov_res
  )),
  several_treated = several,
  timings_seconds = timings
)

writeLines(to_json(out), out_path)
say("wrote", out_path)
