# Golden values for metaan's tests, computed with R's metafor.
#
#   Rscript tests/reference/make_reference.R      (from the repository root)
#
# Needs r-base-core, r-cran-metafor and r-cran-jsonlite (Debian packages). Writes
# tests/reference/metafor_reference.json, which is committed: R is never needed to run the tests.
# Convergence is tightened far beyond metafor's defaults so that the values are exact to ~1e-10.
suppressMessages({ library(metafor); library(jsonlite) })

ctrl <- list(threshold = 1e-12, tol = 1e-12, maxiter = 10000, stepadj = 0.5)
ci_ctrl <- list(tol = 1e-12)
methods <- c("FE", "DL", "REML", "ML", "PM", "HE", "SJ", "HS", "EB")
tests <- c("z", "knha")
num <- function(x) if (is.null(x)) NULL else as.numeric(x)

# ---- data sets (metadat), each reduced to yi, vi, labels and moderators ----------------------------------
ds <- list()
add <- function(name, dat, call, mods = NULL) {
  keep <- is.finite(dat$yi) & is.finite(dat$vi)
  entry <- list(call = call, yi = as.numeric(dat$yi[keep]), vi = as.numeric(dat$vi[keep]))
  if (!is.null(mods)) entry$mods <- setNames(lapply(mods, function(m) as.numeric(dat[[m]][keep])), mods)
  ds[[name]] <<- entry
}
d <- escalc(measure = "RR", ai = tpos, bi = tneg, ci = cpos, di = cneg, data = dat.bcg)
add("bcg", d, "escalc('RR', ai=tpos, bi=tneg, ci=cpos, di=cneg, data=dat.bcg)", c("ablat", "year"))
ds$bcg$groups <- as.character(dat.bcg$alloc)
add("hackshaw1998", dat.hackshaw1998, "dat.hackshaw1998 (yi, vi as shipped: log OR)")
d <- escalc(measure = "ZCOR", ri = ri, ni = ni, data = dat.molloy2014)
add("molloy2014", d, "escalc('ZCOR', ri=ri, ni=ni, data=dat.molloy2014)", c("meanage", "quality"))
d <- escalc(measure = "MD", m1i = m1i, sd1i = sd1i, n1i = n1i, m2i = m2i, sd2i = sd2i, n2i = n2i, data = dat.normand1999)
add("normand1999", d, "escalc('MD', m1i, sd1i, n1i, m2i, sd2i, n2i, data=dat.normand1999)")
add("raudenbush1985", dat.raudenbush1985, "dat.raudenbush1985 (yi, vi as shipped: SMD)", c("weeks"))
d <- escalc(measure = "PLO", xi = xi, ni = ni, data = dat.pritz1997)
add("pritz1997", d, "escalc('PLO', xi=xi, ni=ni, data=dat.pritz1997)")
d <- escalc(measure = "OR", ai = ai, n1i = n1i, ci = ci, n2i = n2i, data = dat.li2007)
add("li2007", d, "escalc('OR', ai=ai, n1i=n1i, ci=ci, n2i=n2i, data=dat.li2007)")
d <- escalc(measure = "RR", ai = ai, n1i = n1i, ci = ci, n2i = n2i, data = dat.linde2005)
add("linde2005", d, "escalc('RR', ai=ai, n1i=n1i, ci=ci, n2i=n2i, data=dat.linde2005)")
d <- escalc(measure = "ROM", m1i = m1i, sd1i = sd1i, n1i = n1i, m2i = m2i, sd2i = sd2i, n2i = n2i, data = dat.curtis1998)
add("curtis1998", d, "escalc('ROM', m1i, sd1i, n1i, m2i, sd2i, n2i, data=dat.curtis1998)")
add("bangertdrowns2004", dat.bangertdrowns2004, "dat.bangertdrowns2004 (yi, vi as shipped: SMD)")

set.seed(20261121)
for (k in c(2, 3, 4, 5, 6, 8, 10, 13, 20, 30, 40)) {
  vi <- rchisq(k, df = 5) / 50 + 0.005
  yi <- rnorm(k, mean = 0.2, sd = sqrt(0.04 + vi))
  ds[[sprintf("sim_k%02d", k)]] <- list(call = sprintf("simulated: vi = chisq(5)/50 + .005, yi ~ N(0.2, 0.04 + vi), k = %d", k), yi = yi, vi = vi)
}
vi <- rchisq(8, df = 5) / 50 + 0.005
ds$sim_homogeneous <- list(call = "simulated: yi ~ N(0.2, 0.09 vi), k = 8 (tau2 at the boundary)", yi = rnorm(8, 0.2, 0.3 * sqrt(vi)), vi = vi)

fit <- function(x, method, test) rma(x$yi, x$vi, method = method, test = test, control = ctrl)

# ---- pool: every method x test on every data set ---------------------------------------------------------
pool_out <- list()
for (name in names(ds)) for (m in methods) for (t in c(tests, "adhoc")) {
  if (t == "adhoc" && !(m %in% c("REML", "DL"))) next
  x <- ds[[name]]
  r <- try(fit(x, m, t), silent = TRUE)
  if (inherits(r, "try-error")) next
  p <- predict(r)
  e <- list(dataset = name, method = m, test = t,
            call = sprintf("rma(yi, vi, method='%s', test='%s', control=ctrl); predict(); confint(control=list(tol=1e-12, tau2.max=1000*max(1, var(yi))))", m, t),
            estimate = num(r$beta), se = r$se, zval = r$zval, pval = r$pval, ci_low = r$ci.lb, ci_high = r$ci.ub,
            tau2 = r$tau2, i2 = r$I2, h2 = r$H2, q = r$QE, q_pvalue = r$QEp, k = r$k,
            weights = as.numeric(weights(r)), pi_low = num(p$pi.lb), pi_high = num(p$pi.ub))
  if (m != "FE" && r$k >= 2) {
    # metafor stops its Q-profile search at tau2.max (10 x the estimate by default) and then reports
    # only ">bound"; widen the search so the true Q-profile bound is returned.
    ci <- try(confint(r, control = c(ci_ctrl, list(tau2.max = 1000 * max(1, var(x$yi)))))$random, silent = TRUE)
    if (!inherits(ci, "try-error")) {
      e$tau2_ci <- as.numeric(ci["tau^2", 2:3]); e$i2_ci <- as.numeric(ci["I^2(%)", 2:3]); e$h2_ci <- as.numeric(ci["H^2", 2:3])
    }
  }
  pool_out[[length(pool_out) + 1]] <- e
}

# ---- leave-one-out, cumulative, influence -----------------------------------------------------------------
cols <- function(df, map) {
  out <- list()
  for (n in names(map)) {
    x <- df[[map[[n]]]]
    if (is.null(x) && map[[n]] == "zval") x <- df[["tval"]]  # named tval under knha
    out[[n]] <- as.numeric(x)
  }
  out
}
loo_map <- list(estimate = "estimate", se = "se", zval = "zval", pval = "pval", ci_low = "ci.lb", ci_high = "ci.ub",
                q = "Q", q_pvalue = "Qp", tau2 = "tau2", i2 = "I2", h2 = "H2")
diag_out <- list(); infl_out <- list(); tf_out <- list(); reg_out <- list(); rank_out <- list()
for (name in names(ds)) for (mt in list(c("REML", "z"), c("DL", "knha"), c("FE", "z"), c("PM", "adhoc"))) {
  x <- ds[[name]]
  if (length(x$yi) < 3) next
  r <- fit(x, mt[1], mt[2])
  l <- as.data.frame(leave1out(r))
  cu <- as.data.frame(cumul(r))
  diag_out[[length(diag_out) + 1]] <- list(dataset = name, method = mt[1], test = mt[2],
    call = sprintf("leave1out(rma(yi, vi, method='%s', test='%s')); cumul(same)", mt[1], mt[2]),
    leave1out = cols(l, loo_map), cumul = cols(cu, modifyList(loo_map, list(pval = "pvals"))))
  inf <- influence(r)$inf
  infl_out[[length(infl_out) + 1]] <- c(list(dataset = name, method = mt[1], test = mt[2],
    call = sprintf("influence(rma(yi, vi, method='%s', test='%s'))$inf", mt[1], mt[2])),
    cols(as.data.frame(inf), list(rstudent = "rstudent", dffits = "dffits", cooks_d = "cook.d", cov_ratio = "cov.r",
                                  tau2_del = "tau2.del", q_del = "QE.del", hat = "hat", weight = "weight")),
    list(dfbetas = as.numeric(influence(r)$dfbs[[1]])))
}
bias_sets <- setdiff(names(ds), c("sim_k02", "sim_k03"))
for (name in bias_sets) {
  x <- ds[[name]]
  for (mt in list(c("REML", "z"), c("FE", "z"), c("DL", "knha"))) {
    r <- fit(x, mt[1], mt[2])
    rt <- regtest(r)
    reg_out[[length(reg_out) + 1]] <- list(dataset = name, method = mt[1], test = mt[2],
      call = sprintf("regtest(rma(yi, vi, method='%s', test='%s'))", mt[1], mt[2]),
      z = rt$zval, pvalue = rt$pval, limit_estimate = num(rt$est), limit_ci = c(num(rt$ci.lb), num(rt$ci.ub)))
  }
  rk <- ranktest(fit(x, "REML", "z"))
  rank_out[[length(rank_out) + 1]] <- list(dataset = name, call = "ranktest(rma(yi, vi))", tau = num(rk$tau), pvalue = num(rk$pval))
  for (spec in list(list("REML", NULL, "L0"), list("FE", NULL, "L0"), list("REML", "left", "L0"), list("REML", "right", "L0"),
                    list("DL", NULL, "R0"))) {
    r <- fit(x, spec[[1]], "z")
    # trimfill() passes ... on to its internal rma() fits; without control= they use the loose default.
    tf <- if (is.null(spec[[2]])) trimfill(r, estimator = spec[[3]], control = ctrl) else
      trimfill(r, side = spec[[2]], estimator = spec[[3]], control = ctrl)
    tf_out[[length(tf_out) + 1]] <- list(dataset = name, method = spec[[1]], side_arg = if (is.null(spec[[2]])) "default" else spec[[2]],
      estimator = spec[[3]],
      call = sprintf("trimfill(rma(yi, vi, method='%s'), side=%s, estimator='%s', control=ctrl)", spec[[1]], if (is.null(spec[[2]])) "NULL" else spec[[2]], spec[[3]]),
      k0 = tf$k0, side = tf$side, estimate = num(tf$beta), se = tf$se, tau2 = tf$tau2,
      ci_low = tf$ci.lb, ci_high = tf$ci.ub, k = tf$k, yi = as.numeric(tf$yi), vi = as.numeric(tf$vi))
  }
}

# ---- meta-regression --------------------------------------------------------------------------------------
mr_out <- list()
for (name in c("bcg", "molloy2014", "raudenbush1985")) for (m in methods) for (t in tests) {
  x <- ds[[name]]
  X <- do.call(cbind, x$mods)
  r <- try(rma(x$yi, x$vi, mods = X, method = m, test = t, control = ctrl), silent = TRUE)
  if (inherits(r, "try-error")) next
  mr_out[[length(mr_out) + 1]] <- list(dataset = name, method = m, test = t, mods = names(x$mods),
    call = sprintf("rma(yi, vi, mods=cbind(%s), method='%s', test='%s')", paste(names(x$mods), collapse = ", "), m, t),
    estimate = num(r$beta), se = r$se, zval = r$zval, pval = r$pval, ci_low = r$ci.lb, ci_high = r$ci.ub,
    tau2 = r$tau2, i2 = r$I2, h2 = r$H2, r2 = num(r$R2), qm = r$QM, qm_pvalue = r$QMp, qe = r$QE, qe_pvalue = r$QEp)
}

# ---- permutation tests (exact), GOSH, subgroups -----------------------------------------------------------
x <- ds$bcg
r8 <- rma(x$yi[1:8], x$vi[1:8], method = "REML", control = ctrl)
pt <- permutest(r8, exact = TRUE)
r6 <- rma(x$yi[1:7], x$vi[1:7], mods = x$mods$ablat[1:7], method = "REML", control = ctrl)
pt2 <- permutest(r6, exact = TRUE)
perm_out <- list(
  list(call = "permutest(rma(yi[1:8], vi[1:8], method='REML'), exact=TRUE)", yi = x$yi[1:8], vi = x$vi[1:8], pval = as.numeric(pt$pval)),
  list(call = "permutest(rma(yi[1:7], vi[1:7], mods=ablat[1:7], method='REML'), exact=TRUE)", yi = x$yi[1:7], vi = x$vi[1:7],
       mods = x$mods$ablat[1:7], pval = as.numeric(pt2$pval), qm_pval = as.numeric(pt2$QMp)))
g <- gosh(rma(x$yi[1:6], x$vi[1:6], method = "REML", control = ctrl), progbar = FALSE)
gosh_out <- list(call = "gosh(rma(yi[1:6], vi[1:6], method='REML'))", yi = x$yi[1:6], vi = x$vi[1:6],
                 incl = unname(as.matrix(g$incl) * 1), estimate = g$res$estimate, tau2 = g$res$tau2, i2 = g$res$I2, q = g$res$QE)
sub_out <- list()
for (m in c("REML", "DL")) {
  grp <- ds$bcg$groups
  fits <- lapply(split(seq_along(grp), grp), function(i) rma(x$yi[i], x$vi[i], method = m, control = ctrl))
  between <- rma(sapply(fits, function(f) f$beta[1]), sei = sapply(fits, function(f) f$se), method = "FE")
  sub_out[[length(sub_out) + 1]] <- list(method = m, call = sprintf("per-alloc rma(method='%s'); rma(estimates, sei=se, method='FE')$QE", m),
    groups = names(fits), estimate = as.numeric(sapply(fits, function(f) f$beta[1])), tau2 = as.numeric(sapply(fits, function(f) f$tau2)),
    q_between = between$QE, q_between_pvalue = between$QEp)
}

out <- list(metafor_version = as.character(packageVersion("metafor")), r_version = R.version.string,
            control = ctrl, datasets = ds, pool = pool_out, diagnostics = diag_out, influence = infl_out,
            regtest = reg_out, ranktest = rank_out, trimfill = tf_out, metareg = mr_out, permutest = perm_out,
            gosh = gosh_out, subgroup = sub_out)
write_json(out, "tests/reference/metafor_reference.json", digits = NA, auto_unbox = TRUE, null = "null", na = "null")
cat("wrote tests/reference/metafor_reference.json\n")
