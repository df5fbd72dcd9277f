import { poorFeedbackReason, PoorFeedbackThresholds } from './poor-feedback';

const defaults: PoorFeedbackThresholds = { poorRatingMax: 2, helpfulShareMin: 0.5, helpfulMinVotes: 5 };
const few = { votes: 1, helpfulVotes: 0 };

describe('poorFeedbackReason', () => {
  it('calls a rating at or below the maximum poor, whatever the helpful vote', () => {
    expect(poorFeedbackReason({ helpful: false, rating: 1 }, few, defaults)).toBe('low_rating');
    expect(poorFeedbackReason({ helpful: true, rating: 2 }, few, defaults)).toBe('low_rating');
  });

  it('does not call a rating above the maximum, or no rating, poor', () => {
    expect(poorFeedbackReason({ helpful: false, rating: 3 }, few, defaults)).toBeNull();
    expect(poorFeedbackReason({ helpful: true, rating: 5 }, few, defaults)).toBeNull();
    expect(poorFeedbackReason({ helpful: false, rating: null }, few, defaults)).toBeNull();
  });

  it('follows the configured rating maximum; 0 turns the rating rule off', () => {
    expect(poorFeedbackReason({ helpful: true, rating: 3 }, few, { ...defaults, poorRatingMax: 3 })).toBe(
      'low_rating',
    );
    expect(
      poorFeedbackReason({ helpful: true, rating: 1 }, few, { ...defaults, poorRatingMax: 0 }),
    ).toBeNull();
  });

  it('judges the helpful share only once the version has the minimum votes', () => {
    expect(
      poorFeedbackReason({ helpful: false, rating: null }, { votes: 4, helpfulVotes: 0 }, defaults),
    ).toBeNull();
    expect(
      poorFeedbackReason({ helpful: false, rating: null }, { votes: 5, helpfulVotes: 2 }, defaults),
    ).toBe('low_helpful_share');
  });

  it('needs the share strictly under the threshold', () => {
    expect(
      poorFeedbackReason({ helpful: false, rating: null }, { votes: 6, helpfulVotes: 3 }, defaults),
    ).toBeNull();
    expect(poorFeedbackReason({ helpful: false, rating: 4 }, { votes: 6, helpfulVotes: 2 }, defaults)).toBe(
      'low_helpful_share',
    );
  });

  it('never lets a helpful vote open a review through the share rule', () => {
    expect(
      poorFeedbackReason({ helpful: true, rating: 5 }, { votes: 10, helpfulVotes: 1 }, defaults),
    ).toBeNull();
    expect(
      poorFeedbackReason({ helpful: true, rating: null }, { votes: 10, helpfulVotes: 1 }, defaults),
    ).toBeNull();
  });

  it('turns the share rule off at a threshold of 0', () => {
    expect(
      poorFeedbackReason(
        { helpful: false, rating: null },
        { votes: 10, helpfulVotes: 0 },
        { ...defaults, helpfulShareMin: 0 },
      ),
    ).toBeNull();
  });

  it('prefers the rating reason when both rules match', () => {
    expect(poorFeedbackReason({ helpful: false, rating: 1 }, { votes: 9, helpfulVotes: 0 }, defaults)).toBe(
      'low_rating',
    );
  });
});
