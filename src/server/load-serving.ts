// What the server needs only once the data plane is on its way, imported together.
/**
 * What the server needs only once the data plane is on its way: loaded while the data plane
 * starts (a process of its own, on another core), not before (docs/decisions/0012).
 */
export async function loadServing() {
  const [api, artifact, clock, deployer, engine, owner, edge, runner, runtime, supervisor, git, notifyPost, notifier, target, targetOf, domainClaims, certificateManager, recorder, exposition, outbox, projectNotifications, postNotification, certificateFailed, flagService] = await Promise.all([
    import('../api/create-api.ts'),
    import('../artifact/artifact-store.ts'),
    import('../engine/clock.ts'),
    import('../engine/deploy/deployer.ts'),
    import('../engine/engine.ts'),
    import('../engine/lease-owner.ts'),
    import('../router/edge/edge-router-client.ts'),
    import('../runner/local/local-runner.ts'),
    import('../runtime/process/process-runtime.ts'),
    import('../server/supervise-data-plane.ts'),
    import('../source/git/git-source.ts'),
    import('../notify/post-commit-status.ts'),
    import('../notify/status-notifier.ts'),
    import('../notify/status-target.ts'),
    import('../engine/notify/status-target-of.ts'),
    import('../engine/domains/domain-claims.ts'),
    import('../certificates/certificate-manager.ts'),
    import('../metrics/metric-recorder.ts'),
    import('../metrics/metrics-exposition.ts'),
    import('../notifications/notifier.ts'),
    import('../notifications/project-notifications.ts'),
    import('../notifications/post-notification.ts'),
    import('../certificates/certificate-failed-events.ts'),
    import('../engine/flags/flag-service.ts'),
  ]);
  return {
    ...api,
    ...artifact,
    ...clock,
    ...deployer,
    ...engine,
    ...owner,
    ...edge,
    ...runner,
    ...runtime,
    ...supervisor,
    ...git,
    ...notifyPost,
    ...notifier,
    ...target,
    ...targetOf,
    ...domainClaims,
    ...certificateManager,
    ...recorder,
    ...exposition,
    ...outbox,
    ...projectNotifications,
    ...postNotification,
    ...certificateFailed,
    ...flagService,
  };
}
