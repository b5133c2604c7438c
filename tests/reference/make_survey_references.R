# Reference numbers for improve.survey from R `survey` (Lumley).
# Reads survey_cases.csv (60 respondents, made once with numpy seed 20; see
# survey_README.md) and writes survey_references.json.
# Run from the repository root:  Rscript tests/reference/make_survey_references.R
suppressMessages({library(survey); library(jsonlite)})
d <- read.csv("tests/reference/survey_cases.csv")
d$role <- factor(d$role); d$region <- factor(d$region)
# a rating with no answer from every seventh respondent (domain estimation, na.rm = TRUE)
d$N <- ifelse(d$stratum == 1, 230, 170)
d$N_all <- 400
d$useful_na <- ifelse(d$id %% 7 == 0, NA, d$useful)
one <- function(design, label) {
  m <- svymean(~useful + agree, design)
  ci <- svyciprop(~agree, design, method = "xlogit", level = 0.95)
  m_na <- svymean(~useful_na, design, na.rm = TRUE)
  # domain means by role; svyby(covmat = TRUE) fails on raked designs in survey 4.1.1,
  # so the covariance is stored where R gives it and the SEs everywhere
  by_role <- svyby(~useful, ~role, design, svymean)
  by_cov <- tryCatch(vcov(svyby(~useful, ~role, design, svymean, covmat = TRUE)),
                     error = function(e) NULL)
  list(case = label,
       by_role_mean = unname(coef(by_role)), by_role_se = unname(SE(by_role)),
       by_role_vcov = if (is.null(by_cov)) NULL else unname(as.vector(by_cov)),
       mean_na = unname(coef(m_na)), se_na = unname(as.vector(SE(m_na))),
       mean = unname(coef(m)), se = unname(SE(m)), vcov = unname(as.vector(vcov(m))),
       prop_ci = unname(as.vector(attr(ci, "ci"))), df = degf(design),
       weights = unname(weights(design)))
}
designs <- list(
  unweighted = svydesign(ids = ~1, data = d),
  weighted = svydesign(ids = ~1, weights = ~weight, data = d),
  stratified = svydesign(ids = ~1, strata = ~stratum, weights = ~weight, data = d),
  clustered = svydesign(ids = ~cluster, strata = ~stratum, weights = ~weight, data = d,
                        nest = TRUE),
  # finite population: 230 people in stratum 1 (north), 170 in stratum 2; weights N_h / n_h
  fpc = svydesign(ids = ~1, strata = ~stratum, fpc = ~N, data = d)
)
pop_role <- data.frame(role = c("district", "principal", "teacher"), Freq = c(40, 90, 270))
pop_region <- data.frame(region = c("north", "south"), Freq = c(230, 170))
raked <- rake(designs$unweighted, list(~role, ~region), list(pop_role, pop_region),
              control = list(maxit = 200, epsilon = 1e-12))
raked_w <- rake(designs$weighted, list(~role, ~region), list(pop_role, pop_region),
                control = list(maxit = 200, epsilon = 1e-12))
raked_fpc <- rake(svydesign(ids = ~1, fpc = ~N_all, data = d), list(~role, ~region),
                  list(pop_role, pop_region), control = list(maxit = 200, epsilon = 1e-12))
out <- c(lapply(names(designs), function(k) one(designs[[k]], k)),
         list(one(raked, "raked"), one(raked_w, "raked_weighted"), one(raked_fpc, "raked_fpc")))
# jackknife (JK1) replicate weights: weighted, and raked again in every replicate
jk <- as.svrepdesign(designs$weighted, type = "JK1")
jk_raked <- rake(jk, list(~role, ~region), list(pop_role, pop_region),
                 control = list(maxit = 200, epsilon = 1e-12))
jk_one <- function(design, label) {
  m <- svymean(~useful + agree, design)
  list(case = label, mean = unname(coef(m)), vcov = unname(as.vector(vcov(m))))
}
replicates <- list(jk_one(jk, "jk1_weighted"), jk_one(jk_raked, "jk1_raked"))
out <- list(r_version = R.version.string,
            survey_version = as.character(packageVersion("survey")),
            margins = list(role = setNames(as.list(pop_role$Freq), pop_role$role),
                           region = setNames(as.list(pop_region$Freq), pop_region$region)),
            cases = out, replicates = replicates)
writeLines(toJSON(out, digits = NA, auto_unbox = TRUE, pretty = TRUE),
           "tests/reference/survey_references.json")
