import { randomUUID } from 'node:crypto';
import request from 'supertest';
import { startTestApp, TestApp } from './support/app';
import { SmtpSink } from './support/peers';
import { waitFor } from './support/wait';

/**
 * The knowledge base (issue 6). The app runs with KB_HELPFUL_MIN_VOTES=4 (the default is 5) so the test
 * also shows the thresholds come from configuration; the rating maximum (2) and share (0.5) are defaults.
 */
describe('Knowledge base: articles, feedback, content reviews', () => {
  let t: TestApp;
  let smtp: SmtpSink;

  interface Tenant {
    companyId: string;
    admin: string;
    manager: string;
    agent: string;
    viewer: string;
    /** A fresh customer (a new user) each call. */
    customer: () => Promise<string>;
  }

  const tenant = async (): Promise<Tenant> => {
    const companyId = randomUUID();
    return {
      companyId,
      admin: await t.token({ companyId, roles: ['admin'], userId: 'kb-admin' }),
      manager: await t.token({ companyId, roles: ['manager'], userId: 'kb-manager' }),
      agent: await t.token({ companyId, roles: ['agent'], userId: 'kb-author' }),
      viewer: await t.token({ companyId, roles: ['viewer'], userId: 'kb-viewer' }),
      customer: () => t.token({ companyId, roles: ['customer'], customerId: randomUUID() }),
    };
  };

  const auth = (token: string) => ({ authorization: `Bearer ${token}` });
  const api = () => request(t.url);

  const createArticle = async (token: string, body: Record<string, unknown> = {}) =>
    (
      await api()
        .post('/v1/kb/articles')
        .set(auth(token))
        .send({
          title: `Reset your router ${randomUUID().slice(0, 6)}`,
          body: '# Reset\n\nHold the **reset** button for 10 seconds.',
          category: 'connectivity',
          ...body,
        })
        .expect(201)
    ).body as { id: string; slug: string; version: number; status: string };

  const publish = async (token: string, id: string) =>
    api().patch(`/v1/kb/articles/${id}`).set(auth(token)).send({ status: 'published' }).expect(200);

  const feedback = (token: string, id: string, body: Record<string, unknown>) =>
    api().post(`/v1/kb/articles/${id}/feedback`).set(auth(token)).send(body);

  const reviewsOf = async (articleId: string) =>
    (
      await t.db.query(
        'SELECT * FROM kb_content_reviews WHERE article_id = $1 ORDER BY opened_at, article_version',
        [articleId],
      )
    ).rows;

  const feedbackCount = async (articleId: string) =>
    Number(
      (await t.db.query('SELECT count(*) FROM kb_feedback WHERE article_id = $1', [articleId])).rows[0].count,
    );

  /** The outbox has handed every event of the company to its subscribers and listeners. */
  const settled = (companyId: string) =>
    waitFor(
      async () =>
        Number(
          (
            await t.db.query(
              'SELECT count(*) FROM outbox_events WHERE company_id = $1 AND dispatched_at IS NULL',
              [companyId],
            )
          ).rows[0].count,
        ) === 0,
      { what: 'outbox dispatch' },
    );

  beforeAll(async () => {
    smtp = await new SmtpSink().start();
    t = await startTestApp({ env: { SMTP_URL: smtp.url, KB_HELPFUL_MIN_VOTES: '4' } });
  });
  afterAll(async () => {
    await t.close();
    await smtp.stop();
  });

  it('lets staff write, version and publish articles; readers see published articles only', async () => {
    const c = await tenant();
    const draft = await createArticle(c.agent, { title: 'Réinitialiser le routeur (Wi-Fi)' });
    expect(draft).toMatchObject({
      slug: 'reinitialiser-le-routeur-wi-fi',
      status: 'draft',
      version: 1,
      owner_id: 'kb-author',
      created_by: 'kb-author',
      published_at: null,
    });
    // The same title again gets a slug of its own; a slug asked for that is taken is a 409.
    const twin = await createArticle(c.agent, { title: 'Réinitialiser le routeur (Wi-Fi)' });
    expect(twin.slug).toMatch(/^reinitialiser-le-routeur-wi-fi-[0-9a-f]{8}$/);
    const taken = await api()
      .post('/v1/kb/articles')
      .set(auth(c.agent))
      .send({ title: 'Other', body: 'x', category: 'billing', slug: draft.slug })
      .expect(409);
    expect(taken.body.type).toMatch(/kb-slug-taken$/);
    await api()
      .post('/v1/kb/articles')
      .set(auth(c.viewer))
      .send({ title: 'Nope', body: 'x', category: 'billing' })
      .expect(403);
    await api()
      .post('/v1/kb/articles')
      .set(auth(c.agent))
      .send({ title: 'Someone else owns it', body: 'x', category: 'billing', owner_id: 'not-staff' })
      .expect(422);

    // Drafts: staff (viewers included) see them, customers and anonymous readers do not.
    const staffList = await api().get('/v1/kb/articles?status=draft').set(auth(c.viewer)).expect(200);
    expect(staffList.body.data.map((a: { id: string }) => a.id)).toEqual(
      expect.arrayContaining([draft.id, twin.id]),
    );
    const customer = await c.customer();
    expect((await api().get('/v1/kb/articles').set(auth(customer)).expect(200)).body.data).toEqual([]);
    await api().get(`/v1/kb/articles/${draft.id}`).set(auth(customer)).expect(404);
    expect((await api().get(`/v1/kb/${c.companyId}/articles`).expect(200)).body.data).toEqual([]);
    await api().get(`/v1/kb/${c.companyId}/articles/${draft.slug}`).expect(404);

    const published = await publish(c.agent, draft.id);
    expect(published.body).toMatchObject({ status: 'published', version: 1 });
    expect(Date.parse(published.body.published_at)).not.toBeNaN();

    const publicList = await api().get(`/v1/kb/${c.companyId}/articles`).expect(200);
    expect(publicList.body).toEqual({
      data: [
        {
          id: draft.id,
          slug: draft.slug,
          title: 'Réinitialiser le routeur (Wi-Fi)',
          excerpt: '# Reset Hold the **reset** button for 10 seconds.',
          category: 'connectivity',
          version: 1,
          published_at: published.body.published_at,
          updated_at: published.body.updated_at,
        },
      ],
      next_cursor: null,
    });
    const publicOne = await api().get(`/v1/kb/${c.companyId}/articles/${draft.slug}`).expect(200);
    expect(publicOne.body.body).toBe('# Reset\n\nHold the **reset** button for 10 seconds.');
    expect(publicOne.body).not.toHaveProperty('owner_id');
    expect(publicOne.body).not.toHaveProperty('status');
    const asCustomer = await api().get(`/v1/kb/articles/${draft.slug}`).set(auth(customer)).expect(200);
    expect(asCustomer.body.id).toBe(draft.id);

    // A new body is a new version; a new category alone is not; an edit on a stale version is a 409.
    const edited = await api()
      .patch(`/v1/kb/articles/${draft.id}`)
      .set(auth(c.agent))
      .send({ body: 'Hold **reset** for 30 seconds.', version: 1 })
      .expect(200);
    expect(edited.body).toMatchObject({ version: 2, status: 'published' });
    expect(edited.body.published_at).toBe(published.body.published_at);
    const recategorised = await api()
      .patch(`/v1/kb/articles/${draft.slug}`)
      .set(auth(c.agent))
      .send({ category: 'router' })
      .expect(200);
    expect(recategorised.body).toMatchObject({ version: 2, category: 'router' });
    const stale = await api()
      .patch(`/v1/kb/articles/${draft.id}`)
      .set(auth(c.agent))
      .send({ title: 'Lost update', version: 1 })
      .expect(409);
    expect(stale.body.type).toMatch(/kb-article-version-changed$/);
    await api().patch(`/v1/kb/articles/${draft.id}`).set(auth(c.viewer)).send({ category: 'x' }).expect(403);

    // Search by title and filter by category; keyset pages.
    await publish(c.agent, twin.id);
    const found = await api().get(`/v1/kb/${c.companyId}/articles?q=ROUTEUR&category=router`).expect(200);
    expect(found.body.data.map((a: { id: string }) => a.id)).toEqual([draft.id]);
    expect((await api().get(`/v1/kb/${c.companyId}/articles?q=100%25`).expect(200)).body.data).toEqual([]);
    const first = await api().get(`/v1/kb/${c.companyId}/articles?limit=1`).expect(200);
    expect(first.body.data).toHaveLength(1);
    const second = await api()
      .get(`/v1/kb/${c.companyId}/articles?limit=1&cursor=${first.body.next_cursor}`)
      .expect(200);
    expect(second.body.next_cursor).toBeNull();
    expect([first.body.data[0].id, second.body.data[0].id].sort()).toEqual([draft.id, twin.id].sort());

    // Back to draft hides it again; only managers and admins delete.
    const unpublished = await api()
      .patch(`/v1/kb/articles/${twin.id}`)
      .set(auth(c.agent))
      .send({ status: 'draft' })
      .expect(200);
    expect(unpublished.body.published_at).toBeNull();
    await api().get(`/v1/kb/${c.companyId}/articles/${twin.slug}`).expect(404);
    await api().delete(`/v1/kb/articles/${twin.id}`).set(auth(c.agent)).expect(403);
    await api().delete(`/v1/kb/articles/${twin.id}`).set(auth(c.manager)).expect(204);
    await api().get(`/v1/kb/articles/${twin.id}`).set(auth(c.viewer)).expect(404);
  });

  it("answers another tenant's article like a missing one", async () => {
    const mine = await tenant();
    const theirs = await tenant();
    const article = await createArticle(mine.agent);
    await publish(mine.agent, article.id);

    await api().get(`/v1/kb/articles/${article.id}`).set(auth(theirs.admin)).expect(404);
    await api().get(`/v1/kb/articles/${article.slug}`).set(auth(theirs.admin)).expect(404);
    await api()
      .patch(`/v1/kb/articles/${article.id}`)
      .set(auth(theirs.admin))
      .send({ title: 'x' })
      .expect(404);
    await api().delete(`/v1/kb/articles/${article.id}`).set(auth(theirs.admin)).expect(404);
    await feedback(await theirs.customer(), article.id, { helpful: false, rating: 1 }).expect(404);
    await api().get(`/v1/kb/articles/${article.id}/feedback`).set(auth(theirs.admin)).expect(404);
    expect((await api().get('/v1/kb/articles').set(auth(theirs.admin)).expect(200)).body.data).toEqual([]);
    // The public path is the company's: another company's id does not reach the article.
    await api().get(`/v1/kb/${theirs.companyId}/articles/${article.id}`).expect(404);
    await api().get(`/v1/kb/not-a-company/articles`).expect(404);
    expect(await feedbackCount(article.id)).toBe(0);
  });

  it('takes feedback once per user and article version; a new version takes it again', async () => {
    const c = await tenant();
    const article = await createArticle(c.agent);
    await publish(c.agent, article.id);
    const customer = await c.customer();

    const given = await feedback(customer, article.slug, {
      helpful: true,
      rating: 4,
      comment: '  Clear.  ',
    }).expect(201);
    expect(given.body).toMatchObject({
      article_id: article.id,
      article_version: 1,
      helpful: true,
      rating: 4,
      comment: 'Clear.',
    });
    const again = await feedback(customer, article.id, { helpful: false, rating: 3 }).expect(409);
    expect(again.body.type).toMatch(/kb-feedback-exists$/);
    expect(await feedbackCount(article.id)).toBe(1);

    // Staff give feedback too; anonymous readers cannot.
    await feedback(c.viewer, article.id, { helpful: true }).expect(201);
    await api().post(`/v1/kb/articles/${article.id}/feedback`).send({ helpful: true }).expect(401);

    await api()
      .patch(`/v1/kb/articles/${article.id}`)
      .set(auth(c.agent))
      .send({ title: 'Better title' })
      .expect(200);
    const stale = await feedback(customer, article.id, { helpful: true, article_version: 1 }).expect(409);
    expect(stale.body.type).toMatch(/kb-article-version-changed$/);
    const onV2 = await feedback(customer, article.id, {
      helpful: true,
      rating: 5,
      article_version: 2,
    }).expect(201);
    expect(onV2.body.article_version).toBe(2);
    expect(await feedbackCount(article.id)).toBe(3);

    const staffView = await api().get(`/v1/kb/articles/${article.id}`).set(auth(c.viewer)).expect(200);
    expect(staffView.body.feedback).toEqual({
      version: 2,
      votes: 1,
      helpful_votes: 1,
      helpful_share: 1,
      ratings: 1,
      average_rating: 5,
    });
    const listed = await api()
      .get(`/v1/kb/articles/${article.id}/feedback?version=1`)
      .set(auth(c.viewer))
      .expect(200);
    expect(listed.body.data).toHaveLength(2);
    await api().get(`/v1/kb/articles/${article.id}/feedback`).set(auth(customer)).expect(403);
    await settled(c.companyId);
    expect(await reviewsOf(article.id)).toEqual([]);
  });

  it('opens exactly one review for poor ratings, with the feedback that opened it, and notifies the owner', async () => {
    const c = await tenant();
    await api()
      .put('/v1/staff/kb-owner')
      .set(auth(c.admin))
      .send({ name: 'Article Owner', email: 'kb-owner@example.com', roles: ['agent'] })
      .expect(200);
    const article = await createArticle(c.agent, { title: 'Pay by M-Pesa', owner_id: 'kb-owner' });
    expect(article).toMatchObject({ owner_id: 'kb-owner' });
    await publish(c.agent, article.id);

    const poor = await feedback(await c.customer(), article.id, {
      helpful: false,
      rating: 1,
      comment: 'The paybill number is wrong',
    }).expect(201);
    // More poor feedback, one at a time and then several at once: still one review.
    await feedback(await c.customer(), article.id, { helpful: true, rating: 2 }).expect(201);
    await Promise.all(
      [1, 2, 1].map(async (rating) =>
        feedback(await c.customer(), article.id, { helpful: false, rating }).expect(201),
      ),
    );
    const reviews = await reviewsOf(article.id);
    expect(reviews).toHaveLength(1);
    expect(reviews[0]).toMatchObject({
      feedback_id: poor.body.id,
      owner_id: 'kb-owner',
      reason: 'low_rating',
      status: 'open',
      article_version: 1,
    });

    const listed = await api().get('/v1/kb/reviews?status=open').set(auth(c.viewer)).expect(200);
    expect(listed.body.data).toHaveLength(1);
    expect(listed.body.data[0]).toMatchObject({
      id: reviews[0].id,
      status: 'open',
      reason: 'low_rating',
      owner_id: 'kb-owner',
      article: {
        id: article.id,
        slug: article.slug,
        title: 'Pay by M-Pesa',
        status: 'published',
        version: 1,
      },
      article_version: 1,
      votes: 1,
      helpful_votes: 0,
      feedback: { id: poor.body.id, helpful: false, rating: 1, comment: 'The paybill number is wrong' },
      resolution: null,
      closed_at: null,
    });

    // The owner hears of it by email and in-app, once.
    const mail = await waitFor(
      () => smtp.messages.find((m) => m.subject === 'Content review requested: Pay by M-Pesa'),
      { what: 'review email' },
    );
    expect(mail.to).toMatchObject({ text: 'kb-owner@example.com' });
    expect(mail.text).toContain('a reader rated it 1 out of 5');
    expect(mail.text).toContain('Comment: The paybill number is wrong');
    const owner = await t.token({ companyId: c.companyId, roles: ['agent'], userId: 'kb-owner' });
    const inbox = await waitFor(
      async () => {
        const res = await api().get('/v1/notifications').set(auth(owner)).expect(200);
        const items = (res.body.data as Array<{ type: string; title: string; body: string }>).filter(
          (n) => n.type === 'kb.review_requested',
        );
        return items.length > 0 ? items : undefined;
      },
      { what: 'in-app review notice' },
    );
    expect(inbox).toHaveLength(1);
    expect(inbox[0].title).toBe('Review requested: Pay by M-Pesa');

    await settled(c.companyId);
    const metrics = await waitFor(
      async () => {
        const text = await t.metrics();
        return text.includes(`kb_feedback_total{company_id="${c.companyId}",helpful="false"} 4`) &&
          text.includes(`kb_feedback_total{company_id="${c.companyId}",helpful="true"} 1`) &&
          text.includes(`kb_content_reviews_opened_total{company_id="${c.companyId}"} 1`)
          ? text
          : undefined;
      },
      { what: 'feedback and review metrics' },
    );
    expect(metrics).toMatch(/# TYPE kb_content_reviews_opened_total counter/);
    expect(smtp.messages.filter((m) => m.subject === 'Content review requested: Pay by M-Pesa')).toHaveLength(
      1,
    );
  });

  it('opens a review when the helpful share falls under the threshold after N votes, on a "not helpful" vote only', async () => {
    const c = await tenant();
    const article = await createArticle(c.agent);
    await publish(c.agent, article.id);

    // Three "no" votes: under the share, but fewer than N (4) votes.
    for (let i = 0; i < 3; i++)
      await feedback(await c.customer(), article.id, { helpful: false }).expect(201);
    expect(await reviewsOf(article.id)).toEqual([]);
    // The 4th vote is good: the share (1/4) is low, but good feedback opens nothing.
    await feedback(await c.customer(), article.id, { helpful: true, rating: 5 }).expect(201);
    expect(await reviewsOf(article.id)).toEqual([]);
    // The 5th is "not helpful" with a middling rating: 1 of 5 helpful, under 0.5.
    const trigger = await feedback(await c.customer(), article.id, { helpful: false, rating: 3 }).expect(201);
    await feedback(await c.customer(), article.id, { helpful: false }).expect(201);
    const reviews = await reviewsOf(article.id);
    expect(reviews).toHaveLength(1);
    expect(reviews[0]).toMatchObject({
      reason: 'low_helpful_share',
      feedback_id: trigger.body.id,
      votes: 5,
      helpful_votes: 1,
      owner_id: 'kb-author',
    });

    // N comes from KB_HELPFUL_MIN_VOTES (4 here, 5 by default): the 4th vote already counts.
    const other = await createArticle(c.agent);
    await publish(c.agent, other.id);
    for (const helpful of [false, true, false]) {
      await feedback(await c.customer(), other.id, { helpful }).expect(201);
    }
    expect(await reviewsOf(other.id)).toEqual([]);
    await feedback(await c.customer(), other.id, { helpful: false }).expect(201);
    expect(await reviewsOf(other.id)).toEqual([
      expect.objectContaining({ reason: 'low_helpful_share', votes: 4, helpful_votes: 1 }),
    ]);

    await settled(c.companyId);
    await waitFor(
      async () =>
        (await t.metrics()).includes(`kb_content_reviews_opened_total{company_id="${c.companyId}"} 2`),
      { what: 'review metric' },
    );
  });

  it('opens no review for good feedback', async () => {
    const c = await tenant();
    const article = await createArticle(c.agent);
    await publish(c.agent, article.id);
    for (const rating of [5, 4, 3, 5, 4, 5]) {
      await feedback(await c.customer(), article.id, { helpful: true, rating }).expect(201);
    }
    await feedback(await c.customer(), article.id, { helpful: false, rating: 3 }).expect(201);
    await settled(c.companyId);
    expect(await reviewsOf(article.id)).toEqual([]);
    const open = await api().get('/v1/kb/reviews').set(auth(c.viewer)).expect(200);
    expect(open.body.data).toEqual([]);
    const metrics = await waitFor(
      async () => {
        const text = await t.metrics();
        return text.includes(`kb_feedback_total{company_id="${c.companyId}",helpful="true"} 6`) &&
          text.includes(`kb_feedback_total{company_id="${c.companyId}",helpful="false"} 1`)
          ? text
          : undefined;
      },
      { what: 'feedback metrics' },
    );
    expect(metrics).not.toContain(`kb_content_reviews_opened_total{company_id="${c.companyId}"}`);
  });

  it('lets staff close a review; a version whose review was closed opens none again, a new version can', async () => {
    const c = await tenant();
    const article = await createArticle(c.agent);
    await publish(c.agent, article.id);
    await feedback(await c.customer(), article.id, { helpful: false, rating: 1 }).expect(201);
    const [review] = await reviewsOf(article.id);

    await api()
      .post(`/v1/kb/reviews/${review.id}/close`)
      .set(auth(c.viewer))
      .send({ resolution: 'x' })
      .expect(403);
    const missing = await api()
      .post(`/v1/kb/reviews/${review.id}/close`)
      .set(auth(c.agent))
      .send({})
      .expect(400);
    expect(missing.body.errors).toEqual(
      expect.arrayContaining([expect.objectContaining({ field: 'resolution' })]),
    );
    const other = await tenant();
    await api()
      .post(`/v1/kb/reviews/${review.id}/close`)
      .set(auth(other.admin))
      .send({ resolution: 'x' })
      .expect(404);
    await api().get(`/v1/kb/reviews/${review.id}`).set(auth(other.admin)).expect(404);

    const closed = await api()
      .post(`/v1/kb/reviews/${review.id}/close`)
      .set(auth(c.agent))
      .send({ resolution: 'Checked: the steps are right, the reader had another router model' })
      .expect(200);
    expect(closed.body).toMatchObject({
      id: review.id,
      status: 'closed',
      closed_by: 'kb-author',
      resolution: 'Checked: the steps are right, the reader had another router model',
    });
    expect(Date.parse(closed.body.closed_at)).not.toBeNaN();
    const twice = await api()
      .post(`/v1/kb/reviews/${review.id}/close`)
      .set(auth(c.agent))
      .send({ resolution: 'again' })
      .expect(409);
    expect(twice.body.type).toMatch(/kb-review-closed$/);
    expect((await api().get('/v1/kb/reviews?status=open').set(auth(c.viewer)).expect(200)).body.data).toEqual(
      [],
    );
    const closedList = await api().get('/v1/kb/reviews?status=closed').set(auth(c.viewer)).expect(200);
    expect(closedList.body.data.map((r: { id: string }) => r.id)).toEqual([review.id]);

    // Same version: reviewed already, no second review. A new version: poor feedback opens one again.
    await feedback(await c.customer(), article.id, { helpful: false, rating: 1 }).expect(201);
    expect(await reviewsOf(article.id)).toHaveLength(1);
    await api()
      .patch(`/v1/kb/articles/${article.id}`)
      .set(auth(c.agent))
      .send({ body: 'Rewritten.' })
      .expect(200);
    await feedback(await c.customer(), article.id, { helpful: false, rating: 2 }).expect(201);
    const reviews = await reviewsOf(article.id);
    expect(reviews.map((r) => [r.article_version, r.status])).toEqual([
      [1, 'closed'],
      [2, 'open'],
    ]);
  });

  it('refuses bad feedback with a clear problem and writes nothing', async () => {
    const c = await tenant();
    const article = await createArticle(c.agent);
    await publish(c.agent, article.id);
    const customer = await c.customer();

    for (const rating of [0, 6, 2.5, '3']) {
      const res = await feedback(customer, article.id, { helpful: false, rating }).expect(400);
      expect(res.headers['content-type']).toMatch(/^application\/problem\+json/);
      expect(res.body).toMatchObject({ status: 400, type: expect.stringMatching(/validation-failed$/) });
      expect(res.body.errors).toEqual(expect.arrayContaining([expect.objectContaining({ field: 'rating' })]));
    }
    const noHelpful = await feedback(customer, article.id, { rating: 4 }).expect(400);
    expect(noHelpful.body.errors).toEqual(
      expect.arrayContaining([expect.objectContaining({ field: 'helpful' })]),
    );
    await feedback(customer, article.id, { helpful: 'yes' }).expect(400);
    await feedback(customer, article.id, { helpful: true, rating: 4, extra: 1 }).expect(400);
    await feedback(customer, article.id, { helpful: true, comment: 'x'.repeat(2001) }).expect(400);
    expect(await feedbackCount(article.id)).toBe(0);

    // A draft takes no feedback: readers cannot see it (404), staff are told why (409).
    const draft = await createArticle(c.agent);
    const hidden = await feedback(customer, draft.id, { helpful: false, rating: 1 }).expect(404);
    expect(hidden.headers['content-type']).toMatch(/^application\/problem\+json/);
    const refused = await feedback(c.agent, draft.id, { helpful: false, rating: 1 }).expect(409);
    expect(refused.body).toMatchObject({
      status: 409,
      type: expect.stringMatching(/kb-article-not-published$/),
      detail: expect.stringContaining('published articles only'),
    });
    await feedback(customer, 'Not A Slug!', { helpful: true }).expect(404);
    expect(await feedbackCount(draft.id)).toBe(0);
    expect(await reviewsOf(draft.id)).toEqual([]);

    // Bad article input is named by field too.
    const badArticle = await api()
      .post('/v1/kb/articles')
      .set(auth(c.agent))
      .send({
        title: ' ',
        body: '',
        category: 'Not Valid',
        slug: '6f1c1f4e-3a53-4f0a-9d0e-8a2d7c1e5b10',
        status: 'live',
      })
      .expect(400);
    expect(badArticle.body.errors.map((e: { field: string }) => e.field).sort()).toEqual(
      expect.arrayContaining(['body', 'category', 'slug', 'status', 'title']),
    );
  });
});
