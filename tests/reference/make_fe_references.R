# CR2 (Bell-McCaffrey) standard errors and Satterthwaite degrees of freedom from R clubSandwich,
# for the models A, C, D, E described in make_fe_references.py (run that first: it writes the
# CSVs). Model B (school + district-by-year dummies, 1,300 columns) is left out: clubSandwich
# on lm with that many dummies did not finish in 15 minutes.
#
#   Rscript tests/reference/make_fe_references.R
#
# Each model is fitted with *explicit* fixed-effect dummies:
#   fit <- lm(y ~ x1 + ... + factor(fe1) + factor(fe2), data = d, weights = w)
# and then
#   V  <- clubSandwich::vcovCR(fit, cluster = d[[cluster]], type = "CR2")
#   ct <- clubSandwich::coef_test(fit, vcov = V, test = "Satterthwaite", coefs = x)
# The weighted models use lm(weights = w); clubSandwich's working model is then
# Var(e) proportional to 1/w (its default target for lm). Output: fe_clubsandwich.json.
suppressPackageStartupMessages(library(clubSandwich))
args <- commandArgs(trailingOnly = FALSE)
here <- dirname(normalizePath(sub("--file=", "", args[grep("--file=", args)])))

models <- list(
  A = list(data = "schools", y = "math_ss", x = c("coach", "coach_lag1", "pct_econ_disadv"),
           fe = list("school_id", "school_year"), cluster = "district_id", w = NA),
  C = list(data = "jtrain", y = "lscrap", x = c("grant", "grant_1"),
           fe = list("fcode", "year"), cluster = "fcode", w = NA),
  D = list(data = "sim12", y = "y", x = c("dose", "x2"), fe = list("unit", "year"),
           cluster = "cluster", w = NA),
  E = list(data = "sim12", y = "y", x = c("dose"), fe = list("unit", "year"),
           cluster = "cluster", w = "w")
)

num <- function(v) paste0("[", paste(sprintf("%.17g", v), collapse = ", "), "]")
out <- c()
for (name in names(models)) {
  m <- models[[name]]
  d <- read.csv(file.path(here, paste0("fe_data_", m$data, ".csv")),
                colClasses = c(district_id = "character", school_id = "character"))
  keep <- c(m$y, m$x, unlist(m$fe), m$cluster, if (!is.na(m$w)) m$w)
  d <- d[complete.cases(d[, unique(keep)]), ]
  fe_terms <- c()
  for (i in seq_along(m$fe)) {
    nm <- paste0("fe", i)
    d[[nm]] <- factor(do.call(paste, c(d[m$fe[[i]]], sep = "|")))
    fe_terms <- c(fe_terms, nm)
  }
  f <- as.formula(paste(m$y, "~", paste(c(m$x, fe_terms), collapse = " + ")))
  if (is.na(m$w)) fit <- lm(f, data = d) else fit <- lm(f, data = d, weights = d[[m$w]])
  V <- vcovCR(fit, cluster = d[[m$cluster]], type = "CR2")
  ct <- coef_test(fit, vcov = V, test = "Satterthwaite", coefs = m$x)
  call <- paste0("lm(", deparse(f, width.cutoff = 500),
                 if (!is.na(m$w)) paste0(", weights = ", m$w) else "",
                 "); vcovCR(fit, cluster = ", m$cluster,
                 ", type = 'CR2'); coef_test(fit, vcov = V, test = 'Satterthwaite')")
  out <- c(out, sprintf(
    '"%s": {"call": "%s", "n": %d, "coef": %s, "se_cr2": %s, "df_satterthwaite": %s, "p_satterthwaite": %s}',
    name, call, nrow(d), num(coef(fit)[m$x]), num(ct$SE), num(ct$df_Satt), num(ct$p_Satt)))
  cat(name, "done\n")
}
ver <- sprintf('"versions": {"R": "%s", "clubSandwich": "%s"}',
               paste(R.version$major, R.version$minor, sep = "."), packageVersion("clubSandwich"))
writeLines(paste0("{\n", ver, ",\n", paste(out, collapse = ",\n"), "\n}"),
           file.path(here, "fe_clubsandwich.json"))
